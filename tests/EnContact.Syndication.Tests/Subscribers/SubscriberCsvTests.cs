using CsvHelper;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>The import and export format: checks per row with line numbers and reasons, and an export that reads back.</summary>
public sealed class SubscriberCsvTests
{
    private const string Header = "email,name,consent_date,consent_source,sections";
    private static readonly MagazineTime Paris = new(Options.Create(new SiteOptions()));
    private static readonly DateTimeOffset Now = Gateway.DefaultNow; // 2026-11-27 09:00 UTC
    private static readonly IReadOnlyList<string> Sections = SubscribersOptions.DefaultSections;

    private static CsvParseResult Parse(string text, string? source = null, IReadOnlyList<string>? sections = null) =>
        SubscriberCsv.Parse(new StringReader(text), sections ?? Sections, source, Paris, Now);

    private static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";

    private static ImportRow SingleRow(CsvParseResult result)
    {
        Assert.Null(result.Problem);
        Assert.Empty(result.Rejected);
        return Assert.Single(result.Rows);
    }

    [Fact]
    public void Parse_ValidRowsWithAccentsAndQuotedCommas_ReadsEveryField()
    {
        var result = Parse(Lines(
            Header,
            "Claire.Dubois@Exemple.FR,\"Dubois, Claire-Élise\",2026-11-20 09:30,salon Stratégie Clients,analyses",
            "\"jean@exemple.fr\",\"Jean \"\"JJ\"\" Müller\",2026-11-20T09:30:00+01:00,\"formulaire, site\",",
            "  noël@café.fr  ,  Noël Lefèvre  ,2026-06-01,abonnement papier,études"));

        Assert.Null(result.Problem);
        Assert.Empty(result.Rejected);
        Assert.Equal([2, 3, 4], result.Rows.Select(r => r.Line));

        var claire = result.Rows[0];
        Assert.Equal("claire.dubois@exemple.fr", claire.Address);
        Assert.Equal("Dubois, Claire-Élise", claire.Name);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), claire.ConsentAt);
        Assert.Equal("salon Stratégie Clients", claire.ConsentSource);
        Assert.Equal(["analyses"], claire.Sections!);

        var jean = result.Rows[1];
        Assert.Equal("jean@exemple.fr", jean.Address);
        Assert.Equal("Jean \"JJ\" Müller", jean.Name);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), jean.ConsentAt);
        Assert.Equal("formulaire, site", jean.ConsentSource);
        Assert.Null(jean.Sections);

        var noel = result.Rows[2];
        Assert.Equal("noël@café.fr", noel.Address);
        Assert.Equal("Noël Lefèvre", noel.Name);
        Assert.Equal(new DateTimeOffset(2026, 5, 31, 22, 0, 0, TimeSpan.Zero), noel.ConsentAt); // summer time in Paris
        Assert.Equal(["études"], noel.Sections!);
    }

    [Fact]
    public void Parse_ColumnsInAnotherOrderAndCase_AreFoundByName()
    {
        var row = SingleRow(Parse(Lines(
            "Sections,Consent_Source,Extra,EMAIL,Consent_Date",
            "analyses,salon,ignored,lea@exemple.fr,2026-11-01")));

        Assert.Equal("lea@exemple.fr", row.Address);
        Assert.Equal("salon", row.ConsentSource);
        Assert.Equal(["analyses"], row.Sections!);
        Assert.Null(row.Name);
    }

    [Theory]
    [InlineData("mail,name,consent_date\nx@exemple.fr,,2026-11-01\n")]
    [InlineData("name,consent_date,consent_source\nX,2026-11-01,salon\n")]
    [InlineData("e-mail,consent_date\nx@exemple.fr,2026-11-01\n")]
    public void Parse_HeaderWithoutEmail_IsAFileProblemNamingTheColumn(string text)
    {
        var result = Parse(text);

        Assert.NotNull(result.Problem);
        Assert.Contains("'email'", result.Problem);
        Assert.Empty(result.Rows);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void Parse_NoConsentDateColumn_IsAFileProblem()
    {
        var result = Parse(Lines("email,name,consent_source", "x@exemple.fr,X,salon"));

        Assert.NotNull(result.Problem);
        Assert.Contains("consent_date", result.Problem);
        Assert.Empty(result.Rows);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public void Parse_EmptyFile_IsAFileProblem(string text)
    {
        var result = Parse(text);

        Assert.NotNull(result.Problem);
        Assert.Empty(result.Rows);
    }

    [Theory]
    [InlineData("pas-une-adresse,,2026-11-20,salon,", "email: 'pas-une-adresse' is not an e-mail address")]
    [InlineData("Jean <jean@exemple.fr>,,2026-11-20,salon,", "email:")]
    [InlineData(",Sans Adresse,2026-11-20,salon,", "email: is required")]
    [InlineData("ok@exemple.fr,,,salon,", "consent_date: is required")]
    [InlineData("ok@exemple.fr,,   ,salon,", "consent_date: is required")]
    [InlineData("ok@exemple.fr,,20/11/2026,salon,", "consent_date: '20/11/2026' is not a date")]
    [InlineData("ok@exemple.fr,,hier,salon,", "consent_date: 'hier' is not a date")]
    [InlineData("ok@exemple.fr,,2026-03-29 02:30,salon,", "consent_date: '2026-03-29 02:30' does not exist")]
    [InlineData("ok@exemple.fr,,2027-01-15,salon,", "consent_date: 2027-01-15 is in the future")]
    [InlineData("ok@exemple.fr,,2026-11-28 11:00,salon,", "consent_date: 2026-11-28 11:00 is in the future")]
    [InlineData("ok@exemple.fr,,2026-11-20,salon,sport", "sections: 'sport' is not one of analyses, études, entretiens, indiscrétions, actualités")]
    [InlineData("ok@exemple.fr,,2026-11-20,salon,analyses;sport", "sections: 'sport' is not one of")]
    public void Parse_InvalidRow_IsRejectedWithItsLineAndTheField(string row, string reason)
    {
        var result = Parse(Lines(Header, "before@exemple.fr,,2026-11-20,salon,", row, "after@exemple.fr,,2026-11-20,salon,"));

        Assert.Null(result.Problem);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(3, rejected.Line);
        Assert.Equal(ImportResult.Rejected, rejected.Result);
        Assert.Contains(reason, rejected.Reason);
        Assert.Equal([2, 4], result.Rows.Select(r => r.Line));
        Assert.Equal(["before@exemple.fr", "after@exemple.fr"], result.Rows.Select(r => r.Address));
    }

    [Fact]
    public void Parse_ConsentWithinTheNextDay_IsAccepted()
    {
        // A consent recorded in another time zone can look a little ahead; up to a day is tolerated.
        var row = SingleRow(Parse(Lines(Header, "ok@exemple.fr,,2026-11-28 09:00,salon,")));

        Assert.Equal(new DateTimeOffset(2026, 11, 28, 8, 0, 0, TimeSpan.Zero), row.ConsentAt);
    }

    [Theory]
    [InlineData("\"x@exemple.fr\nBcc: y@exemple.fr\"", "email: contains a control character (LF)")]
    [InlineData("\"x@exemple.fr\r\nBcc: y@exemple.fr\"", "email: contains a control character (CR)")]
    public void Parse_EmailWithLineBreakInQuotedField_IsRejectedAndLaterLinesKeepTheirNumbers(string email, string reason)
    {
        var result = Parse(Lines(Header, email + ",,2026-11-20,salon,", "after@exemple.fr,,2026-11-20,salon,"));

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(2, rejected.Line);
        Assert.StartsWith(reason, rejected.Reason);
        var after = Assert.Single(result.Rows);
        Assert.Equal("after@exemple.fr", after.Address);
        Assert.Equal(4, after.Line); // the quoted field took lines 2 and 3
    }

    [Fact]
    public void Parse_NameWithLineBreak_IsRejectedNamingTheName()
    {
        var result = Parse(Lines(Header, "x@exemple.fr,\"Jean\nX-Evil: 1\",2026-11-20,salon,"));

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(2, rejected.Line);
        Assert.StartsWith("name: contains a control character (LF)", rejected.Reason);
        Assert.Empty(result.Rows);
    }

    [Fact]
    public void Parse_SameAddressTwiceInAnyCase_SecondIsDuplicateOfFirstLine()
    {
        var result = Parse(Lines(
            Header,
            "A@Exemple.fr,Premier,2026-11-20,salon,analyses",
            "other@exemple.fr,,2026-11-20,salon,",
            "a@exemple.FR,Second,2026-11-21,site,études"));

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(4, rejected.Line);
        Assert.Equal("a@exemple.fr", rejected.Address);
        Assert.Equal("duplicate of line 2", rejected.Reason);
        Assert.Equal(["a@exemple.fr", "other@exemple.fr"], result.Rows.Select(r => r.Address));
        Assert.Equal("Premier", result.Rows[0].Name); // the first one wins
    }

    [Fact]
    public void Parse_RowWithBrokenQuoting_IsRejectedAndLaterRowsAreStillRead()
    {
        var result = Parse(Lines(
            Header,
            "first@exemple.fr,,2026-11-20,salon,",
            "broken@exemple.fr,Jean \"JJ\" Dupont,2026-11-20,salon,",
            "closed@exemple.fr,\"Jean \"JJ\" Dupont\",2026-11-20,salon,",
            "last@exemple.fr,,2026-11-20,salon,"));

        Assert.Null(result.Problem);
        Assert.Equal([3, 4], result.Rejected.Select(r => r.Line).Order());
        Assert.All(result.Rejected, r => Assert.StartsWith("malformed CSV", r.Reason));
        Assert.Equal(["first@exemple.fr", "last@exemple.fr"], result.Rows.Select(r => r.Address));
        Assert.Equal([2, 5], result.Rows.Select(r => r.Line));
    }

    [Fact]
    public void Parse_QuoteNeverClosed_RejectsItsLineAndKeepsTheRowsBefore()
    {
        var result = Parse(Lines(
            Header,
            "first@exemple.fr,,2026-11-20,salon,",
            "open@exemple.fr,\"Jean,2026-11-20,salon,",
            "swallowed@exemple.fr,,2026-11-20,salon,"));

        Assert.Null(result.Problem);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(3, rejected.Line);
        Assert.Equal(ImportResult.Rejected, rejected.Result);
        Assert.Equal(["first@exemple.fr"], result.Rows.Select(r => r.Address));
    }

    [Fact]
    public void Parse_HugeUnclosedQuote_IsReportedNotThrown()
    {
        var filler = string.Concat(Enumerable.Range(0, 3000).Select(i => $"filler{i}@exemple.fr,,2026-11-20,salon,\n"));
        var text = Lines(Header, "first@exemple.fr,,2026-11-20,salon,", "open@exemple.fr,\"Jean,2026-11-20,salon,") + filler;

        var result = Parse(text);

        Assert.Null(result.Problem);
        Assert.Equal(["first@exemple.fr"], result.Rows.Select(r => r.Address));
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(3, rejected.Line);
        Assert.Null(rejected.Address);
    }

    [Fact]
    public void Parse_SectionsInAnyCaseWithSpaces_MapToTheConfiguredSpelling()
    {
        var result = Parse(Lines(
            Header,
            "a@exemple.fr,,2026-11-20,salon,analyses; Études",
            "b@exemple.fr,,2026-11-20,salon,ENTRETIENS;entretiens;;",
            "c@exemple.fr,,2026-11-20,salon,",
            "d@exemple.fr,,2026-11-20,salon,\"  \""));

        Assert.Empty(result.Rejected);
        Assert.Equal(["analyses", "études"], result.Rows[0].Sections!);
        Assert.Equal(["entretiens"], result.Rows[1].Sections!);
        Assert.Null(result.Rows[2].Sections);
        Assert.Null(result.Rows[3].Sections);
    }

    [Theory]
    [InlineData(";")]
    [InlineData(" ; ;; ")]
    public void Parse_SectionsOnlySeparators_MeansAllSectionsNotNone(string sections)
    {
        // A subscriber with an empty list of sections would be active and get nothing (the preferences page refuses "no section").
        var row = SingleRow(Parse(Lines(Header, $"a@exemple.fr,,2026-11-20,salon,\"{sections}\"")));

        Assert.Null(row.Sections);
    }

    [Fact]
    public void Parse_ConfiguredSectionsWithCapitals_KeepTheConfiguredSpelling()
    {
        var result = Parse(Lines(Header, "a@exemple.fr,,2026-11-20,salon,études;RELATION CLIENT"), sections: ["Études", "Relation client"]);

        var row = SingleRow(result);
        Assert.Equal(["Études", "Relation client"], row.Sections!);
    }

    [Fact]
    public void Parse_NoSectionsColumn_MeansAllSections()
    {
        var row = SingleRow(Parse(Lines("email,consent_date,consent_source", "a@exemple.fr,2026-11-20,salon")));

        Assert.Null(row.Sections);
    }

    [Fact]
    public void Parse_ConsentSource_ColumnWinsThenImportSource()
    {
        var result = Parse(Lines(Header, "a@exemple.fr,,2026-11-20,salon CX,", "b@exemple.fr,,2026-11-20,,", "c@exemple.fr,,2026-11-20,   ,"),
            source: "  import fichier abonnés 2026  ");

        Assert.Empty(result.Rejected);
        Assert.Equal(["salon CX", "import fichier abonnés 2026", "import fichier abonnés 2026"], result.Rows.Select(r => r.ConsentSource));
    }

    [Fact]
    public void Parse_NoConsentSourceColumnButImportSource_UsesTheImportSource()
    {
        var row = SingleRow(Parse(Lines("email,consent_date", "a@exemple.fr,2026-11-20"), source: "salon"));

        Assert.Equal("salon", row.ConsentSource);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_NeitherColumnNorImportSource_RejectsNamingConsentSource(string? source)
    {
        var result = Parse(Lines(Header, "a@exemple.fr,,2026-11-20,,", "b@exemple.fr,,2026-11-20,salon,"), source);

        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(2, rejected.Line);
        Assert.StartsWith("consent_source: is required", rejected.Reason);
        Assert.Equal("b@exemple.fr", Assert.Single(result.Rows).Address);
    }

    [Fact]
    public void Parse_ConsentSourceWithControlCharacter_IsRejected()
    {
        var result = Parse(Lines(Header, "a@exemple.fr,,2026-11-20,\"salon\tCX\","));

        var rejected = Assert.Single(result.Rejected);
        Assert.StartsWith("consent_source: contains a control character", rejected.Reason);
    }

    private static Subscriber Subscriber(string address, string? name = null, IReadOnlyList<string>? sections = null, string? source = "salon") => new()
    {
        Id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(address)).AsSpan(0, 16)),
        Address = address,
        Name = name,
        Status = SubscriberStatus.Active,
        Sections = sections,
        ConsentAt = new DateTimeOffset(2026, 10, 1, 7, 15, 30, TimeSpan.Zero),
        ConsentSource = source,
        CreatedAt = new DateTimeOffset(2026, 10, 2, 8, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 10, 2, 8, 0, 0, TimeSpan.Zero),
        ConfirmedAt = new DateTimeOffset(2026, 10, 1, 7, 15, 30, TimeSpan.Zero),
    };

    private static async Task<string> WriteAsync(params Subscriber[] subscribers)
    {
        using var text = new StringWriter();
        await SubscriberCsv.WriteAsync(subscribers.ToAsyncEnumerable(), text, CancellationToken.None);
        return text.ToString();
    }

    private static List<string[]> ReadCells(string text)
    {
        using var csv = CsvReader.Create(new StringReader(text), new CsvReaderOptions(), leaveOpen: false);
        var rows = new List<string[]>();
        while (csv.Read())
            rows.Add(Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray());
        return rows;
    }

    [Fact]
    public async Task WriteAsync_NoSubscribers_WritesTheHeaderLineOnly()
    {
        var text = await WriteAsync();

        Assert.Equal("email,name,consent_date,consent_source,sections,status,id,created_at,confirmed_at,unsubscribed_at,suppression",
            text.TrimEnd('\r', '\n'));
    }

    [Fact]
    public async Task WriteAsync_Subscribers_WritesOneLinePerSubscriberWithEveryColumn()
    {
        var text = await WriteAsync(
            Subscriber("a@exemple.fr", "Dubois, Claire", ["analyses", "études"]),
            Subscriber("b@exemple.fr") with { Status = SubscriberStatus.Unsubscribed, UnsubscribedAt = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Suppression = "unsubscribed (page)" });

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(string.Join(",", SubscriberCsv.ExportColumns), lines[0].TrimEnd('\r'));
        var cells = ReadCells(text);
        Assert.Equal(["a@exemple.fr", "Dubois, Claire", "2026-10-01T07:15:30.0000000Z", "salon", "analyses;études", "active"], cells[0][..6]);
        Assert.Equal(["b@exemple.fr", "", "2026-10-01T07:15:30.0000000Z", "salon", "", "unsubscribed"], cells[1][..6]);
        Assert.Equal("2026-11-01T00:00:00.0000000Z", cells[1][9]);
        Assert.Equal("unsubscribed (page)", cells[1][10]);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"clic\")")]
    [InlineData("+33 1 23 45 67 89")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1:A9)")]
    public async Task WriteAsync_NameStartingLikeAFormula_IsWrittenWithALeadingApostrophe(string name)
    {
        var text = await WriteAsync(Subscriber("a@exemple.fr", name), Subscriber("b@exemple.fr", "Jean-Pierre = Dupont"));

        var cells = ReadCells(text);
        Assert.Equal("'" + name, cells[0][1]);
        Assert.Equal("Jean-Pierre = Dupont", cells[1][1]); // only the first character matters
        Assert.DoesNotContain("," + name, text);
    }

    [Theory]
    [InlineData("=cmd|' /C calc'!A0")]
    [InlineData("+1")]
    [InlineData("-1")]
    [InlineData("@x")]
    public async Task WriteAsync_ConsentSourceStartingLikeAFormula_IsEscapedToo(string source)
    {
        var text = await WriteAsync(Subscriber("a@exemple.fr", source: source));

        Assert.Equal("'" + source, ReadCells(text)[0][3]);
    }

    [Fact]
    public async Task WriteAsync_Export_ParsesBackIntoTheSameSubscribers()
    {
        Subscriber[] subscribers =
        [
            Subscriber("claire@exemple.fr", "Dubois, Claire \"CD\" Élise", ["analyses", "études"], "salon, Paris"),
            Subscriber("noël@café.fr", "Noël", null, "formulaire"),
            Subscriber("x@exemple.fr", null, ["indiscrétions"], "import 2025"),
        ];

        var text = await WriteAsync(subscribers);
        var result = Parse(text);

        Assert.Null(result.Problem);
        Assert.Empty(result.Rejected);
        Assert.Equal(subscribers.Select(s => s.Address), result.Rows.Select(r => r.Address));
        Assert.Equal(subscribers.Select(s => s.Name), result.Rows.Select(r => r.Name));
        Assert.Equal(subscribers.Select(s => s.ConsentSource), result.Rows.Select(r => r.ConsentSource));
        Assert.Equal(subscribers.Select(s => s.ConsentAt!.Value), result.Rows.Select(r => r.ConsentAt));
        for (var i = 0; i < subscribers.Length; i++)
            Assert.Equal(subscribers[i].Sections, result.Rows[i].Sections);
    }

    [Theory]
    [InlineData("-info@exemple.fr")]
    [InlineData("+news@exemple.fr")]
    [InlineData("=x@exemple.fr")]
    public async Task WriteAsync_AddressStartingLikeAFormula_ParsesBackToTheSameAddress(string address)
    {
        // The address is accepted by the import...
        var imported = SingleRow(Parse(Lines(Header, address + ",,2026-11-20,salon,")));
        Assert.Equal(address, imported.Address);

        // ...so its export must import back as the same person, not as "'" + address.
        var text = await WriteAsync(Subscriber(address));
        var result = Parse(text);

        Assert.Equal(address, SingleRow(result).Address);
    }
}
