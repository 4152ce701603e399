using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Tests.Base;

public sealed class SlugsTests
{
    [Theory]
    [InlineData("Indiscrétions", "indiscretions")]
    [InlineData("Œuvres & coûts : l’été", "oeuvres-couts-l-ete")]
    [InlineData("Cœur de métier", "coeur-de-metier")]
    [InlineData("Ænéide et æther", "aeneide-et-aether")]
    [InlineData("À l'œuvre, Ça ira !", "a-l-oeuvre-ca-ira")]
    [InlineData("L’IA générative en 2026", "l-ia-generative-en-2026")]
    [InlineData("  Hello,   World!  ", "hello-world")]
    [InlineData("Ça coûte 10 € !", "ca-coute-10")]
    [InlineData("déjà-vu--encore", "deja-vu-encore")]
    [InlineData("🎉 Fête 🎉", "fete")]
    [InlineData("Rabat (Maroc) / Tunis", "rabat-maroc-tunis")]
    [InlineData("E\u0301te\u0301", "ete")]
    [InlineData("UPPER lower 123", "upper-lower-123")]
    [InlineData("a_b.c", "a-b-c")]
    public void From_Text_GivesLowercaseAsciiSlug(string text, string expected)
    {
        var slug = Slugs.From(text);

        Assert.Equal(expected, slug);
        Assert.True(Slugs.IsValid(slug));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("???!!")]
    [InlineData("العربية")]
    [InlineData("中文")]
    [InlineData("🎉👍🏽")]
    public void From_NoLatinLetterOrDigit_GivesEmptySlug(string text)
    {
        Assert.Equal("", Slugs.From(text));
    }

    [Fact]
    public void From_LongText_IsCutToMaxLength()
    {
        var slug = Slugs.From(new string('a', 200));

        Assert.Equal(new string('a', Slugs.MaxLength), slug);
        Assert.Equal(120, Slugs.MaxLength);
    }

    [Fact]
    public void From_CutFallingOnHyphen_DropsTheTrailingHyphen()
    {
        // 119 letters, a space, more letters: the 120th character of the slug is the hyphen.
        var slug = Slugs.From(new string('a', 119) + " bcd");

        Assert.Equal(new string('a', 119), slug);
        Assert.True(Slugs.IsValid(slug));
    }

    [Fact]
    public void From_LongTitleOfWords_GivesValidSlugNoLongerThanMax()
    {
        var title = string.Join(' ', Enumerable.Repeat("Relation client à distance", 10));

        var slug = Slugs.From(title);

        Assert.True(slug.Length <= Slugs.MaxLength);
        Assert.True(Slugs.IsValid(slug));
        Assert.StartsWith("relation-client-a-distance-relation-client", slug, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("7")]
    [InlineData("abc-123")]
    [InlineData("oeuvres-couts-l-ete")]
    [InlineData("2026")]
    public void IsValid_WellFormedSlug_IsTrue(string slug)
    {
        Assert.True(Slugs.IsValid(slug));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a--b")]
    [InlineData("A")]
    [InlineData("été")]
    [InlineData("a b")]
    [InlineData("a_b")]
    [InlineData("a.b")]
    [InlineData("a/b")]
    [InlineData(" a")]
    public void IsValid_MalformedSlug_IsFalse(string slug)
    {
        Assert.False(Slugs.IsValid(slug));
    }

    [Fact]
    public void IsValid_LengthLimit_IsMaxLength()
    {
        Assert.True(Slugs.IsValid(new string('a', 120)));
        Assert.False(Slugs.IsValid(new string('a', 121)));
    }
}
