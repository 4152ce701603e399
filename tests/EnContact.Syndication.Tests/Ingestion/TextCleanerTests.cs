using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Tests.Ingestion;

public sealed class TextCleanerTests
{
    /// <summary>Every BMP code point XML 1.0 forbids outside the surrogate range.</summary>
    private static readonly int[] Forbidden =
    [
        .. Enumerable.Range(0x00, 9), 0x0B, 0x0C, .. Enumerable.Range(0x0E, 0x12), 0xFFFE, 0xFFFF,
    ];

    public static TheoryData<int> ForbiddenCodePoints() => new(Forbidden);

    [Fact]
    public void ForbiddenCodePoints_TestData_HasAllThirtyOne()
    {
        Assert.Equal(31, Forbidden.Distinct().Count());
        Assert.Equal(0x1F, Forbidden[^3]);
    }

    [Fact]
    public void RemoveForbidden_AllForbiddenCharactersTogether_AreAllRemovedInOrder()
    {
        var text = "<" + new string(Forbidden.Select(c => (char)c).ToArray()) + ">";

        var clean = TextCleaner.RemoveForbidden(text, out var removed);

        Assert.Equal("<>", clean);
        Assert.Equal(Forbidden.Select(c => $"U+{c:X4}"), removed);
    }

    [Theory]
    [MemberData(nameof(ForbiddenCodePoints))]
    public void RemoveForbidden_ForbiddenCharacter_IsRemovedAndNamed(int codePoint)
    {
        var text = "a" + (char)codePoint + "b";

        var clean = TextCleaner.RemoveForbidden(text, out var removed);

        Assert.Equal("ab", clean);
        Assert.Equal([$"U+{codePoint:X4}"], removed);
    }

    [Theory]
    [MemberData(nameof(ForbiddenCodePoints))]
    public void IsXmlChar_ForbiddenCharacter_IsFalse(int codePoint)
    {
        Assert.False(TextCleaner.IsXmlChar(((char)codePoint).ToString(), 0, out var length));
        Assert.Equal(1, length);
    }

    [Theory]
    [MemberData(nameof(ForbiddenCodePoints))]
    public void SingleLine_ForbiddenCharacter_IsRemoved(int codePoint)
    {
        var clean = TextCleaner.SingleLine("Le " + (char)codePoint + "titre", out var removed);

        Assert.Equal("Le titre", clean);
        Assert.Single(removed);
    }

    [Fact]
    public void RemoveForbidden_AllowedControlCharacters_AreKept()
    {
        var text = "a\tb\nc\rd\r\ne";

        var clean = TextCleaner.RemoveForbidden(text, out var removed);

        Assert.Equal(text, clean);
        Assert.Empty(removed);
    }

    [Theory]
    [InlineData("\u0020")]
    [InlineData("\u007F")]
    [InlineData("\u0085")]
    [InlineData("\u00A0")]
    [InlineData("\uD7FF")]
    [InlineData("\uE000")]
    [InlineData("\uFFFD")]
    public void RemoveForbidden_AllowedEdgeCharacters_AreKept(string character)
    {
        var text = "a" + character + "b";

        Assert.Equal(text, TextCleaner.RemoveForbidden(text, out var removed));
        Assert.Empty(removed);
    }

    [Fact]
    public void RemoveForbidden_LoneHighSurrogate_IsRemoved()
    {
        var clean = TextCleaner.RemoveForbidden("a\uD83Db", out var removed);

        Assert.Equal("ab", clean);
        Assert.Equal(["U+D83D"], removed);
    }

    [Fact]
    public void RemoveForbidden_LoneLowSurrogate_IsRemoved()
    {
        var clean = TextCleaner.RemoveForbidden("a\uDE00b", out var removed);

        Assert.Equal("ab", clean);
        Assert.Equal(["U+DE00"], removed);
    }

    [Fact]
    public void RemoveForbidden_HighSurrogateAtEnd_IsRemoved()
    {
        var clean = TextCleaner.RemoveForbidden("fin\uD83D", out var removed);

        Assert.Equal("fin", clean);
        Assert.Equal(["U+D83D"], removed);
    }

    [Fact]
    public void RemoveForbidden_SurrogatesInWrongOrder_AreBothRemoved()
    {
        var clean = TextCleaner.RemoveForbidden("x\uDE00\uD83Dy", out var removed);

        Assert.Equal("xy", clean);
        Assert.Equal(["U+DE00", "U+D83D"], removed);
    }

    [Fact]
    public void RemoveForbidden_LoneSurrogateBesideValidPair_KeepsThePair()
    {
        // A high surrogate, then a complete pair (🎉 = D83C DF89).
        var clean = TextCleaner.RemoveForbidden("\uD83D\uD83C\uDF89", out var removed);

        Assert.Equal("🎉", clean);
        Assert.Equal(["U+D83D"], removed);
    }

    [Fact]
    public void RemoveForbidden_RepeatedCharacters_AreListedInOrderEachTime()
    {
        var clean = TextCleaner.RemoveForbidden("\u0001a\u001Fb\u0001", out var removed);

        Assert.Equal("ab", clean);
        Assert.Equal(["U+0001", "U+001F", "U+0001"], removed);
    }

    [Fact]
    public void RemoveForbidden_OnlyForbiddenCharacters_GivesEmptyText()
    {
        var clean = TextCleaner.RemoveForbidden("\u0000\u0001\uFFFF", out var removed);

        Assert.Equal("", clean);
        Assert.Equal(3, removed.Count);
    }

    [Fact]
    public void RemoveForbidden_EmptyText_StaysEmpty()
    {
        Assert.Equal("", TextCleaner.RemoveForbidden("", out var removed));
        Assert.Empty(removed);
    }

    [Theory]
    [InlineData("Bravo 🎉 à tous 👍🏽")]
    [InlineData("👨‍👩‍👧 famille")]
    [InlineData("𝄞 clef de sol")]
    public void RemoveForbidden_EmojiAndAstralCharacters_AreKept(string text)
    {
        Assert.Equal(text, TextCleaner.RemoveForbidden(text, out var removed));
        Assert.Empty(removed);
    }

    [Theory]
    [InlineData("مرحبا بالعالم")]
    [InlineData("שלום עולם")]
    [InlineData("\u200Fمرحبا\u200E (Rabat)")]
    [InlineData("中文 日本語 한국어")]
    public void RemoveForbidden_RightToLeftAndOtherScripts_AreKept(string text)
    {
        Assert.Equal(text, TextCleaner.RemoveForbidden(text, out var removed));
        Assert.Empty(removed);
    }

    [Fact]
    public void RemoveForbidden_DecomposedAccents_AreComposedToNfc()
    {
        var clean = TextCleaner.RemoveForbidden("e\u0301te\u0301 a\u0300 C\u0327a", out var removed);

        Assert.Equal("\u00E9t\u00E9 \u00E0 \u00C7a", clean);
        Assert.Equal(8, clean.Length);
        Assert.Empty(removed);
    }

    [Fact]
    public void RemoveForbidden_CombiningAcute_BecomesPrecomposedE()
    {
        var clean = TextCleaner.RemoveForbidden("e\u0301", out _);

        Assert.Equal("\u00E9", clean);
        Assert.Equal(1, clean.Length);
    }

    [Fact]
    public void RemoveForbidden_ForbiddenCharacterBetweenLetterAndAccent_IsRemovedThenComposed()
    {
        var clean = TextCleaner.RemoveForbidden("caf" + "e\u0000\u0301", out var removed);

        Assert.Equal("caf\u00E9", clean);
        Assert.Equal(["U+0000"], removed);
    }

    [Fact]
    public void RemoveForbidden_AlreadyNfcText_IsUnchanged()
    {
        const string text = "Œuvres & coûts : l’été « 2026 »";

        Assert.Equal(text, TextCleaner.RemoveForbidden(text, out var removed));
        Assert.Empty(removed);
    }

    [Fact]
    public void IsXmlChar_SurrogatePair_IsOneCharacterOfLengthTwo()
    {
        Assert.True(TextCleaner.IsXmlChar("a🎉", 1, out var length));
        Assert.Equal(2, length);
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData(" ")]
    [InlineData("é")]
    public void IsXmlChar_AllowedBmpCharacter_IsTrueWithLengthOne(string text)
    {
        Assert.True(TextCleaner.IsXmlChar(text, 0, out var length));
        Assert.Equal(1, length);
    }

    [Fact]
    public void IsXmlChar_LoneHighSurrogate_IsFalseWithLengthOne()
    {
        Assert.False(TextCleaner.IsXmlChar("\uD83Dx", 0, out var length));
        Assert.Equal(1, length);
    }

    [Theory]
    [InlineData("  Le   centre\td’appels\r\n  en  2026  ", "Le centre d’appels en 2026")]
    [InlineData("un\n\n\ndeux", "un deux")]
    [InlineData("\t\r\n", "")]
    [InlineData("", "")]
    [InlineData("seul", "seul")]
    [InlineData("Coûts > 10 % & marges", "Coûts > 10 % & marges")]
    public void SingleLine_WhiteSpaceRuns_BecomeOneSpaceAndEndsAreTrimmed(string text, string expected)
    {
        Assert.Equal(expected, TextCleaner.SingleLine(text, out var removed));
        Assert.Empty(removed);
    }

    [Fact]
    public void SingleLine_ForbiddenCharactersAmongSpaces_AreRemovedAndSpacesCollapsed()
    {
        var clean = TextCleaner.SingleLine("a \u0000 \u0007 b\u001B", out var removed);

        Assert.Equal("a b", clean);
        Assert.Equal(["U+0000", "U+0007", "U+001B"], removed);
    }

    [Fact]
    public void SingleLine_DecomposedAccents_AreComposed()
    {
        Assert.Equal("\u00E9t\u00E9", TextCleaner.SingleLine(" e\u0301te\u0301\n", out _));
    }

    [Fact]
    public void SingleLine_EmojiAndArabic_AreKept()
    {
        Assert.Equal("🎉 مرحبا 👍🏽", TextCleaner.SingleLine("🎉\n مرحبا\t👍🏽", out var removed));
        Assert.Empty(removed);
    }
}
