using System.Text;
using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Tests.Ingestion;

public sealed class FrontMatterParserTests
{
    private static ParsedFile Parse(params string[] lines) =>
        FrontMatterParser.Parse(Encoding.UTF8.GetBytes(string.Join('\n', lines)));

    private static ArticleDraft ParseOk(params string[] lines)
    {
        var parsed = Parse(lines);
        Assert.True(parsed.Problem is null, $"unexpected problem on line {parsed.ProblemLine}: {parsed.Problem}");
        Assert.Null(parsed.ProblemLine);
        Assert.NotNull(parsed.Draft);
        return parsed.Draft;
    }

    private static void AssertProblem(ParsedFile parsed, int expectedLine, params string[] expectedFragments)
    {
        Assert.Null(parsed.Draft);
        Assert.NotNull(parsed.Problem);
        Assert.Equal(expectedLine, parsed.ProblemLine);
        Assert.Empty(parsed.Warnings);
        foreach (var fragment in expectedFragments)
            Assert.Contains(fragment, parsed.Problem, StringComparison.Ordinal);
    }

    private static readonly string[] CompleteFile =
    [
        "---",                                               // 1
        "id: ec-2026-0042",                                  // 2
        "title: \"IA générative : le conseiller augmenté\"", // 3
        "slug: ia-generative-conseiller-augmente",           // 4
        "published: 2026-11-20 09:30",                       // 5
        "updated: 2026-11-21T10:00:00+01:00",                // 6
        "authors:",                                          // 7
        "  - Anaïs Roche",                                   // 8
        "  - Marc Dupuis",                                   // 9
        "section: analyses",                                 // 10
        "issue: En-Contact 50",                              // 11
        "tags: [ia, relation-client, \"voicebot\"]",         // 12
        "access: premium",                                   // 13
        "language: fr",                                      // 14
        "summary: Un conseiller épaulé par l’IA.",           // 15
        "image: images/ia.jpg",                              // 16
        "draft: false",                                      // 17
        "---",                                               // 18
        "Premier paragraphe.",                               // 19
        "",
        "Second paragraphe.",
        "",
    ];

    [Fact]
    public void Parse_CompleteFile_ReadsEveryKey()
    {
        var parsed = Parse(CompleteFile);

        Assert.Null(parsed.Problem);
        Assert.Null(parsed.ProblemLine);
        Assert.Empty(parsed.Warnings);
        var draft = parsed.Draft!;
        Assert.Equal("ec-2026-0042", draft.Id);
        Assert.Equal("IA générative : le conseiller augmenté", draft.Title);
        Assert.Equal("ia-generative-conseiller-augmente", draft.Slug);
        Assert.Equal("2026-11-20 09:30", draft.Published);
        Assert.Equal("2026-11-21T10:00:00+01:00", draft.Updated);
        Assert.Equal(["Anaïs Roche", "Marc Dupuis"], draft.Authors!);
        Assert.Equal("analyses", draft.Section);
        Assert.Equal("En-Contact 50", draft.Issue);
        Assert.Equal(["ia", "relation-client", "voicebot"], draft.Tags!);
        Assert.Equal("premium", draft.Access);
        Assert.Equal("fr", draft.Language);
        Assert.Equal("Un conseiller épaulé par l’IA.", draft.Summary);
        Assert.Equal("images/ia.jpg", draft.Image);
        Assert.False(draft.Draft);
        Assert.Equal("Premier paragraphe.\n\nSecond paragraphe.\n", draft.BodyMarkdown);
        Assert.Null(draft.BodyHtml);
    }

    [Fact]
    public void Parse_CompleteFile_RecordsTheFileLineOfEveryKey()
    {
        var draft = Parse(CompleteFile).Draft!;

        var expected = new Dictionary<string, int>
        {
            ["id"] = 2, ["title"] = 3, ["slug"] = 4, ["published"] = 5, ["updated"] = 6, ["authors"] = 7,
            ["section"] = 10, ["issue"] = 11, ["tags"] = 12, ["access"] = 13, ["language"] = 14,
            ["summary"] = 15, ["image"] = 16, ["draft"] = 17,
        };
        Assert.Equal(expected.OrderBy(p => p.Key), draft.Lines.OrderBy(p => p.Key));
    }

    [Fact]
    public void Parse_MinimalFile_LeavesAbsentKeysNull()
    {
        var draft = ParseOk("---", "title: Seul", "---", "Corps");

        Assert.Equal("Seul", draft.Title);
        Assert.Null(draft.Id);
        Assert.Null(draft.Slug);
        Assert.Null(draft.Published);
        Assert.Null(draft.Updated);
        Assert.Null(draft.Authors);
        Assert.Null(draft.Section);
        Assert.Null(draft.Issue);
        Assert.Null(draft.Tags);
        Assert.Null(draft.Access);
        Assert.Null(draft.Language);
        Assert.Null(draft.Summary);
        Assert.Null(draft.Image);
        Assert.False(draft.Draft);
        Assert.Equal("Corps", draft.BodyMarkdown);
        Assert.Equal(new Dictionary<string, int> { ["title"] = 2 }, draft.Lines);
    }

    [Fact]
    public void Parse_AuthorsAsSingleString_GivesOneAuthor()
    {
        var draft = ParseOk("---", "title: T", "authors: Anaïs Roche", "---", "");

        Assert.Equal(["Anaïs Roche"], draft.Authors!);
    }

    [Fact]
    public void Parse_AuthorsAsFlowList_GivesEachAuthor()
    {
        var draft = ParseOk("---", "title: T", "authors: [Anaïs Roche, \"Dupuis, Marc\"]", "---", "");

        Assert.Equal(["Anaïs Roche", "Dupuis, Marc"], draft.Authors!);
    }

    [Fact]
    public void Parse_TagsAsSingleString_GivesOneTag()
    {
        var draft = ParseOk("---", "title: T", "tags: bpo", "---", "");

        Assert.Equal(["bpo"], draft.Tags!);
    }

    [Fact]
    public void Parse_IdWithSurroundingSpaces_IsTrimmed()
    {
        var draft = ParseOk("---", "id: \"  ec-1  \"", "title: T", "---", "");

        Assert.Equal("ec-1", draft.Id);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("yes", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("\"true\"", true)]
    public void Parse_DraftFlag_ReadsBooleanWords(string value, bool expected)
    {
        var draft = ParseOk("---", "title: T", $"draft: {value}", "---", "");

        Assert.Equal(expected, draft.Draft);
        Assert.Equal(3, draft.Lines["draft"]);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("1")]
    [InlineData("oui")]
    public void Parse_DraftNotABoolean_FailsOnItsLine(string value)
    {
        var parsed = Parse("---", "title: T", "section: s", $"draft: {value}", "---", "");

        AssertProblem(parsed, 4, $"draft: '{value}' is not true or false");
    }

    [Fact]
    public void Parse_Utf8ByteOrderMark_IsSkipped()
    {
        var bytes = Encoding.UTF8.GetPreamble()
            .Concat(Encoding.UTF8.GetBytes("---\ntitle: Été\npublished: 2026-11-20\n---\nCorps"))
            .ToArray();

        var parsed = FrontMatterParser.Parse(bytes);

        Assert.Null(parsed.Problem);
        Assert.Equal("Été", parsed.Draft!.Title);
        Assert.Equal("2026-11-20", parsed.Draft.Published);
        Assert.Equal(2, parsed.Draft.Lines["title"]);
        Assert.Equal("Corps", parsed.Draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_CrLfLineEndings_ReadsValuesWithoutCarriageReturns()
    {
        var text = "---\r\ntitle: Bonjour\r\npublished: 2026-11-20 09:30\r\ntags:\r\n  - a\r\n  - b\r\nsection: analyses\r\n---\r\nCorps\r\nSuite\r\n";

        var parsed = FrontMatterParser.Parse(Encoding.UTF8.GetBytes(text));

        Assert.Null(parsed.Problem);
        var draft = parsed.Draft!;
        Assert.Equal("Bonjour", draft.Title);
        Assert.Equal("2026-11-20 09:30", draft.Published);
        Assert.Equal(["a", "b"], draft.Tags!);
        Assert.Equal("analyses", draft.Section);
        Assert.Equal(2, draft.Lines["title"]);
        Assert.Equal(3, draft.Lines["published"]);
        Assert.Equal(4, draft.Lines["tags"]);
        Assert.Equal(7, draft.Lines["section"]);
        Assert.Equal("Corps\r\nSuite\r\n", draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_CrLfLineEndings_ReportsProblemOnTheRightLine()
    {
        var text = "---\r\ntitle: Bonjour\r\nsection: a\r\ndraft: maybe\r\n---\r\nCorps\r\n";

        var parsed = FrontMatterParser.Parse(Encoding.UTF8.GetBytes(text));

        AssertProblem(parsed, 4, "draft: 'maybe'");
    }

    [Fact]
    public void Parse_TrailingSpacesOnDelimiterLines_AreAccepted()
    {
        var draft = ParseOk("---  ", "title: T", "--- \t", "Corps");

        Assert.Equal("T", draft.Title);
        Assert.Equal("Corps", draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_YamlDocumentEndMarker_ClosesFrontMatter()
    {
        var draft = ParseOk("---", "title: T", "...", "Corps");

        Assert.Equal("T", draft.Title);
        Assert.Equal("Corps", draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_MissingOpeningLine_FailsOnLineOne()
    {
        var parsed = Parse("title: T", "---", "Corps");

        AssertProblem(parsed, 1, "does not start with a '---' line");
    }

    [Fact]
    public void Parse_BlankLineBeforeOpeningLine_FailsOnLineOne()
    {
        var parsed = Parse("", "---", "title: T", "---", "Corps");

        AssertProblem(parsed, 1, "does not start with a '---' line");
    }

    [Fact]
    public void Parse_EmptyFile_FailsOnLineOne()
    {
        var parsed = FrontMatterParser.Parse(ReadOnlySpan<byte>.Empty);

        AssertProblem(parsed, 1, "does not start with a '---' line");
    }

    [Fact]
    public void Parse_FrontMatterNeverClosed_FailsOnLineOne()
    {
        var parsed = Parse("---", "title: T", "published: 2026-11-20", "", "Corps sans fin.");

        AssertProblem(parsed, 1, "never closed");
    }

    [Fact]
    public void Parse_EmptyFrontMatter_FailsOnLineTwo()
    {
        var parsed = Parse("---", "---", "Corps");

        AssertProblem(parsed, 2, "not a list of 'key: value' lines");
    }

    [Fact]
    public void Parse_FrontMatterIsAPlainSentence_FailsOnLineTwo()
    {
        var parsed = Parse("---", "juste une phrase", "---", "Corps");

        AssertProblem(parsed, 2, "not a list of 'key: value' lines");
    }

    [Fact]
    public void Parse_UnclosedQuote_FailsOnTheFileLineOfTheQuote()
    {
        var parsed = Parse(
            "---",                       // 1
            "id: ec-1",                  // 2
            "section: analyses",         // 3
            "title: \"unclosed",         // 4
            "published: 2026-11-20",     // 5
            "---",
            "Corps");

        AssertProblem(parsed, 4, "invalid YAML");
    }

    [Fact]
    public void Parse_BadIndentation_FailsOnTheFileLineOfTheIndentedKey()
    {
        var parsed = Parse(
            "---",                       // 1
            "title: T",                  // 2
            "section: analyses",         // 3
            "  published: 2026-11-20",   // 4
            "---",
            "Corps");

        AssertProblem(parsed, 4, "invalid YAML");
    }

    [Fact]
    public void Parse_InvalidYaml_MessageHasNoYamlDotNetPositionPrefix()
    {
        var parsed = Parse("---", "title: T", "tags: [a, b", "---", "Corps");

        Assert.NotNull(parsed.Problem);
        Assert.StartsWith("invalid YAML: ", parsed.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("(Line:", parsed.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Idx:", parsed.Problem, StringComparison.Ordinal);
        Assert.Null(parsed.Draft);
    }

    [Fact]
    public void Parse_MisindentedListItem_FailsOnItsFileLine()
    {
        var parsed = Parse(
            "---",              // 1
            "title: T",         // 2
            "authors:",         // 3
            "  - A",            // 4
            " - B",             // 5
            "---",
            "Corps");

        AssertProblem(parsed, 5, "invalid YAML");
    }

    [Fact]
    public void Parse_TabIndentation_FailsOnTheFileLineOfTheTab()
    {
        var parsed = Parse(
            "---",              // 1
            "title: T",         // 2
            "section: s",       // 3
            "tags:",            // 4
            "\t- a",            // 5
            "---",
            "Corps");

        AssertProblem(parsed, 5, "invalid YAML", "tab");
    }

    [Fact]
    public void Parse_FlowListLeftOpenAcrossLines_IsAProblemNotAnException()
    {
        var parsed = Parse("---", "title: T", "tags: [a,", "  b", "summary: s", "---", "Corps");

        Assert.Null(parsed.Draft);
        Assert.NotNull(parsed.Problem);
        Assert.StartsWith("invalid YAML", parsed.Problem, StringComparison.Ordinal);
        Assert.Empty(parsed.Warnings);
    }

    [Fact]
    public void Parse_InvalidUtf8InFrontMatter_FailsOnThatLine()
    {
        var bytes = Encoding.UTF8.GetBytes("---\ntitle: T\nsection: analyses\nsummary: caf")
            .Concat(new byte[] { 0xC3, 0x28 })
            .Concat(Encoding.UTF8.GetBytes("\n---\nCorps\n"))
            .ToArray();

        var parsed = FrontMatterParser.Parse(bytes);

        AssertProblem(parsed, 4, "UTF-8");
    }

    [Fact]
    public void Parse_InvalidUtf8InBody_FailsOnThatLine()
    {
        var bytes = Encoding.UTF8.GetBytes("---\ntitle: Été\n---\nUn.\nDeux.\nTrois ")
            .Concat(new byte[] { 0xE9 })
            .Concat(Encoding.UTF8.GetBytes("t\u00e9.\n"))
            .ToArray();

        var parsed = FrontMatterParser.Parse(bytes);

        AssertProblem(parsed, 6, "UTF-8");
    }

    [Fact]
    public void Parse_InvalidUtf8AfterByteOrderMark_FailsOnThatLine()
    {
        var bytes = Encoding.UTF8.GetPreamble()
            .Concat(Encoding.UTF8.GetBytes("---\ntitle: T\nsection: analyses\nsummary: caf"))
            .Concat(new byte[] { 0xC3, 0x28 })
            .Concat(Encoding.UTF8.GetBytes("\n---\nCorps\n"))
            .ToArray();

        var parsed = FrontMatterParser.Parse(bytes);

        AssertProblem(parsed, 4, "UTF-8");
    }

    [Fact]
    public void Parse_DuplicateKey_FailsNamingKeyOnItsSecondLine()
    {
        var parsed = Parse(
            "---",              // 1
            "title: Premier",   // 2
            "section: s",       // 3
            "title: Second",    // 4
            "---",
            "Corps");

        AssertProblem(parsed, 4, "title");
    }

    [Fact]
    public void Parse_UnknownKey_IsAWarningWithItsLine()
    {
        var parsed = Parse(
            "---",              // 1
            "title: T",         // 2
            "autor: Anaïs",     // 3
            "section: s",       // 4
            "---",
            "Corps");

        Assert.Null(parsed.Problem);
        Assert.Null(parsed.ProblemLine);
        Assert.NotNull(parsed.Draft);
        Assert.Equal("T", parsed.Draft.Title);
        Assert.Equal("s", parsed.Draft.Section);
        Assert.False(parsed.Draft.Lines.ContainsKey("autor"));
        var warning = Assert.Single(parsed.Warnings);
        Assert.Equal("autor", warning.Field);
        Assert.Equal(3, warning.Line);
        Assert.StartsWith("unknown front-matter key, ignored", warning.Message, StringComparison.Ordinal);
        Assert.Equal("line 3: autor: " + warning.Message, warning.ToString());
    }

    [Fact]
    public void Parse_KeysAreCaseSensitive_CapitalisedKeyIsUnknown()
    {
        var parsed = Parse("---", "title: T", "Title: Autre", "---", "");

        Assert.Equal("T", parsed.Draft!.Title);
        var warning = Assert.Single(parsed.Warnings);
        Assert.Equal("Title", warning.Field);
        Assert.Equal(3, warning.Line);
    }

    [Fact]
    public void Parse_ListWhereSingleValueExpected_FailsOnItsLine()
    {
        var parsed = Parse(
            "---",              // 1
            "section: s",       // 2
            "title:",           // 3
            "  - Un",           // 4
            "  - Deux",         // 5
            "---",
            "Corps");

        AssertProblem(parsed, 3, "'title' must be a single value");
    }

    [Fact]
    public void Parse_FlowListWhereSingleValueExpected_FailsOnItsLine()
    {
        var parsed = Parse("---", "title: T", "published: [2026-11-20, 2026-11-21]", "---", "");

        AssertProblem(parsed, 3, "'published' must be a single value");
    }

    [Fact]
    public void Parse_MappingWhereListExpected_FailsOnItsLine()
    {
        var parsed = Parse(
            "---",              // 1
            "title: T",         // 2
            "tags:",            // 3
            "  ia: oui",        // 4
            "---",
            "");

        AssertProblem(parsed, 3, "'tags' must be a value or a list of values");
    }

    [Fact]
    public void Parse_NestedListInAuthors_FailsOnItsLine()
    {
        var parsed = Parse("---", "title: T", "section: s", "authors: [A, [B, C]]", "---", "");

        AssertProblem(parsed, 4, "'authors' must be a value or a list of values");
    }

    [Fact]
    public void Parse_TildeNullAndEmptyValues_AreMissing()
    {
        var draft = ParseOk(
            "---",
            "title: T",
            "slug: ~",
            "summary:",
            "image: null",
            "section: NULL",
            "authors: ~",
            "tags:",
            "draft: ~",
            "---",
            "");

        Assert.Equal("T", draft.Title);
        Assert.Null(draft.Slug);
        Assert.Null(draft.Summary);
        Assert.Null(draft.Image);
        Assert.Null(draft.Section);
        Assert.Null(draft.Authors);
        Assert.Null(draft.Tags);
        Assert.False(draft.Draft);
        // The keys were written, so their lines are still known.
        Assert.Equal(3, draft.Lines["slug"]);
        Assert.Equal(9, draft.Lines["draft"]);
    }

    [Fact]
    public void Parse_QuotedTildeOrNull_IsText()
    {
        var draft = ParseOk("---", "title: \"~\"", "summary: 'null'", "---", "");

        Assert.Equal("~", draft.Title);
        Assert.Equal("null", draft.Summary);
    }

    [Fact]
    public void Parse_NullEntriesInList_AreDropped()
    {
        var draft = ParseOk("---", "title: T", "tags: [a, ~, b, null]", "---", "");

        Assert.Equal(["a", "b"], draft.Tags!);
    }

    [Fact]
    public void Parse_HorizontalRuleInBody_StaysInBody()
    {
        var draft = ParseOk(
            "---",
            "title: Indiscrétions",
            "---",
            "**Rabat.** Un rachat.",
            "",
            "---",
            "",
            "**Mercato.** Une DRH.",
            "");

        Assert.Equal("**Rabat.** Un rachat.\n\n---\n\n**Mercato.** Une DRH.\n", draft.BodyMarkdown);
        Assert.Equal("Indiscrétions", draft.Title);
    }

    [Fact]
    public void Parse_NothingAfterClosingLine_GivesEmptyBody()
    {
        var draft = ParseOk("---", "title: T", "---");

        Assert.Equal("", draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_BodyLeadingBlankLines_AreKept()
    {
        var draft = ParseOk("---", "title: T", "---", "", "# Titre", "");

        Assert.Equal("\n# Titre\n", draft.BodyMarkdown);
    }

    [Fact]
    public void Parse_TitleWithColonAndSpecialCharacters_Quoted_IsReadVerbatim()
    {
        var draft = ParseOk("---", "title: \"Coûts > 10 % & marges : « l’été » #1\"", "---", "");

        Assert.Equal("Coûts > 10 % & marges : « l’été » #1", draft.Title);
    }

    [Fact]
    public void Parse_MultiLineBlockSummary_KeepsLineBreaks()
    {
        var draft = ParseOk("---", "title: T", "summary: |", "  Ligne un.", "  Ligne deux.", "section: s", "---", "");

        Assert.Equal("Ligne un.\nLigne deux.\n", draft.Summary);
        Assert.Equal(3, draft.Lines["summary"]);
        Assert.Equal(6, draft.Lines["section"]);
    }

    [Fact]
    public void Parse_ValuesThatLookLikeNumbersOrDates_StayText()
    {
        var draft = ParseOk("---", "title: 2026", "issue: 50", "published: 2026-11-20T09:30:00Z", "---", "");

        Assert.Equal("2026", draft.Title);
        Assert.Equal("50", draft.Issue);
        Assert.Equal("2026-11-20T09:30:00Z", draft.Published);
    }

    [Fact]
    public void Keys_ListsTheFourteenFrontMatterKeys()
    {
        Assert.Equal(
            ["access", "authors", "draft", "id", "image", "issue", "language", "published", "section", "slug", "summary", "tags", "title", "updated"],
            FrontMatterParser.Keys.Order(StringComparer.Ordinal));
    }
}
