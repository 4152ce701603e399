using System.Text;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Ingestion;

public sealed class ArticleNormalizerTests
{
    private const string Id = "ec-2026-0042";
    private const string Source = "file:2026/ia.md";
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static ArticleNormalizer CreateNormalizer(SiteOptions? options = null)
    {
        var site = Options.Create(options ?? new SiteOptions());
        return new ArticleNormalizer(site, new MagazineTime(site), new FakeTimeProvider(Now));
    }

    private static ArticleDraft ValidDraft() => new()
    {
        Title = "Le conseiller augmenté",
        Published = "2026-11-20 09:30",
        BodyMarkdown = "Premier paragraphe.\n\nSecond paragraphe.\n",
    };

    private static NormalizationResult Normalize(ArticleDraft draft, string id = Id, SiteOptions? options = null) =>
        CreateNormalizer(options).Normalize(draft, id, Source);

    private static Article NormalizeOk(ArticleDraft draft, string id = Id, SiteOptions? options = null)
    {
        var result = Normalize(draft, id, options);
        Assert.True(result.IsValid, "errors: " + string.Join(" | ", result.Errors));
        Assert.Empty(result.Errors);
        return result.Article!;
    }

    private static FieldError SingleError(NormalizationResult result, string field)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Article);
        return Assert.Single(result.Errors, e => e.Field == field);
    }

    // ---- a valid draft ----

    [Fact]
    public void Normalize_ValidDraft_GivesPublishedArticleWithEveryField()
    {
        var result = Normalize(ValidDraft());

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Warnings);
        var article = result.Article!;
        Assert.Equal(Id, article.Id);
        Assert.Equal("le-conseiller-augmente", article.Slug);
        Assert.Equal("Le conseiller augmenté", article.Title);
        Assert.Equal("Premier paragraphe.", article.Summary);
        Assert.Equal("<p>Premier paragraphe.</p>\n<p>Second paragraphe.</p>", article.ContentHtml);
        Assert.Empty(article.Authors);
        Assert.Null(article.Section);
        Assert.Null(article.Issue);
        Assert.Empty(article.Tags);
        Assert.Equal(ArticleAccess.Free, article.Access);
        Assert.Equal("fr", article.Language);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero), article.PublishedAt);
        Assert.Equal(TimeSpan.Zero, article.PublishedAt.Offset);
        Assert.Equal(article.PublishedAt, article.UpdatedAt);
        Assert.Equal("https://www.en-contact.com/articles/le-conseiller-augmente", article.CanonicalUrl);
        Assert.Null(article.ImageUrl);
        Assert.Equal(Source, article.Source);
        Assert.Equal(ArticleStatus.Published, article.Status);
        Assert.Equal(0, article.Version);
        Assert.Matches("^[0-9a-f]{64}$", article.ContentHash);
        Assert.Equal(ArticleNormalizer.HashOf(article), article.ContentHash);
    }

    [Fact]
    public void Normalize_AllFieldsGiven_KeepsThemCleaned()
    {
        var draft = ValidDraft() with
        {
            Slug = "conseiller-augmente",
            Updated = "2026-11-21T10:00:00+01:00",
            Authors = ["Anaïs Roche", "Marc Dupuis"],
            Section = "Analyses",
            Issue = "En-Contact 50",
            Tags = ["IA", "Relation client"],
            Access = "premium",
            Language = "en-GB",
            Summary = "Un conseiller épaulé par l’IA.",
            Image = "images/ia.jpg",
        };

        var article = NormalizeOk(draft);

        Assert.Equal("conseiller-augmente", article.Slug);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero), article.UpdatedAt);
        Assert.Equal(["Anaïs Roche", "Marc Dupuis"], article.Authors);
        Assert.Equal("Analyses", article.Section);
        Assert.Equal("En-Contact 50", article.Issue);
        Assert.Equal(["ia", "relation client"], article.Tags);
        Assert.Equal(ArticleAccess.Premium, article.Access);
        Assert.Equal("en-GB", article.Language);
        Assert.Equal("Un conseiller épaulé par l’IA.", article.Summary);
        Assert.Equal("https://www.en-contact.com/images/ia.jpg", article.ImageUrl);
        Assert.Equal("https://www.en-contact.com/articles/conseiller-augmente", article.CanonicalUrl);
    }

    // ---- status ----

    [Fact]
    public void Normalize_PublishedInTheFuture_IsScheduled()
    {
        var article = NormalizeOk(ValidDraft() with { Published = "2026-11-28 07:00" });

        Assert.Equal(ArticleStatus.Scheduled, article.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 6, 0, 0, TimeSpan.Zero), article.PublishedAt);
    }

    [Fact]
    public void Normalize_PublishedOneMinuteAhead_IsScheduled()
    {
        var article = NormalizeOk(ValidDraft() with { Published = "2026-11-27 10:01" });

        Assert.Equal(ArticleStatus.Scheduled, article.Status);
    }

    [Fact]
    public void Normalize_PublishedExactlyNow_IsPublished()
    {
        // 10:00 in Paris on 27 November is 09:00 UTC, the fake clock's instant.
        var article = NormalizeOk(ValidDraft() with { Published = "2026-11-27 10:00" });

        Assert.Equal(Now, article.PublishedAt);
        Assert.Equal(ArticleStatus.Published, article.Status);
    }

    [Fact]
    public void Normalize_DraftWithoutPublished_IsDraftDatedNow()
    {
        var article = NormalizeOk(ValidDraft() with { Draft = true, Published = null });

        Assert.Equal(ArticleStatus.Draft, article.Status);
        Assert.Equal(Now, article.PublishedAt);
        Assert.Equal(Now, article.UpdatedAt);
    }

    [Theory]
    [InlineData("2026-11-20 09:30")]
    [InlineData("2027-01-15 09:30")]
    public void Normalize_DraftWithPublished_IsDraftWhateverTheDate(string published)
    {
        var article = NormalizeOk(ValidDraft() with { Draft = true, Published = published });

        Assert.Equal(ArticleStatus.Draft, article.Status);
    }

    [Fact]
    public void Normalize_NotDraftWithoutPublished_FailsOnPublished()
    {
        var result = Normalize(ValidDraft() with { Published = null });

        var error = SingleError(result, "published");
        Assert.StartsWith("is required", error.Message, StringComparison.Ordinal);
    }

    // ---- required fields, ids, dates ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \t\n ")]
    public void Normalize_MissingTitle_FailsOnTitle(string? title)
    {
        var result = Normalize(ValidDraft() with { Title = title, Lines = new Dictionary<string, int> { ["title"] = 3 } });

        var error = SingleError(result, "title");
        Assert.Equal("is required", error.Message);
        Assert.Equal(3, error.Line);
        Assert.Single(result.Errors);
    }

    [Fact]
    public void Normalize_TitleOfOnlyForbiddenCharacters_FailsOnTitleAndWarns()
    {
        var result = Normalize(ValidDraft() with { Title = "\u0007\u0000" });

        Assert.Equal("is required", SingleError(result, "title").Message);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("title", warning.Field);
    }

    [Fact]
    public void Normalize_TitleTooLong_FailsOnTitleOnce()
    {
        var result = Normalize(ValidDraft() with { Title = new string('a', 301) });

        var error = SingleError(result, "title");
        Assert.Equal("is 301 characters long; the limit is 300", error.Message);
    }

    [Fact]
    public void Normalize_TitleOfExactlyMaxLength_IsAccepted()
    {
        var title = string.Join(' ', Enumerable.Repeat("abcdefghi", 30)).PadRight(300, 'z');

        var article = NormalizeOk(ValidDraft() with { Title = title });

        Assert.Equal(300, article.Title.Length);
        Assert.Equal(title, article.Title);
    }

    [Theory]
    [InlineData("EC-1")]
    [InlineData("ec 1")]
    [InlineData("-ec1")]
    [InlineData("ec1-")]
    [InlineData("")]
    [InlineData("ec/1")]
    [InlineData("été")]
    public void Normalize_BadId_FailsOnId(string id)
    {
        var result = Normalize(ValidDraft(), id);

        var error = SingleError(result, "id");
        Assert.StartsWith($"'{id}' is not a valid id", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("7", true)]
    [InlineData("ec-2026-0042", true)]
    [InlineData("a.b_c-d", true)]
    [InlineData("A", false)]
    [InlineData("a.", false)]
    [InlineData("_a", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    public void IsValidId_Examples_MatchTheRule(string id, bool expected)
    {
        Assert.Equal(expected, ArticleNormalizer.IsValidId(id));
    }

    [Fact]
    public void IsValidId_LengthLimit_IsOneHundred()
    {
        Assert.True(ArticleNormalizer.IsValidId(new string('a', 100)));
        Assert.False(ArticleNormalizer.IsValidId(new string('a', 101)));
    }

    [Fact]
    public void Normalize_UnknownAccess_FailsOnAccessWithItsLine()
    {
        var draft = ValidDraft() with
        {
            Access = "gold",
            Lines = new Dictionary<string, int> { ["title"] = 2, ["access"] = 7 },
        };

        var result = Normalize(draft);

        var error = SingleError(result, "access");
        Assert.Equal(7, error.Line);
        Assert.Equal("'gold' is not an access level: use free or premium", error.Message);
        Assert.Equal("line 7: access: 'gold' is not an access level: use free or premium", error.ToString());
    }

    [Theory]
    [InlineData("free", ArticleAccess.Free)]
    [InlineData(" Premium ", ArticleAccess.Premium)]
    [InlineData("FREE", ArticleAccess.Free)]
    public void Normalize_AccessWords_AreCaseInsensitive(string access, ArticleAccess expected)
    {
        Assert.Equal(expected, NormalizeOk(ValidDraft() with { Access = access }).Access);
    }

    [Fact]
    public void Normalize_UpdatedBeforePublished_FailsOnUpdated()
    {
        var draft = ValidDraft() with
        {
            Published = "2026-11-20 09:30",
            Updated = "2026-11-20 09:29",
            Lines = new Dictionary<string, int> { ["updated"] = 6 },
        };

        var result = Normalize(draft);

        var error = SingleError(result, "updated");
        Assert.Equal(6, error.Line);
        Assert.Equal("2026-11-20 08:29:00Z is before published 2026-11-20 08:30:00Z", error.Message);
    }

    [Fact]
    public void Normalize_UpdatedEqualToPublishedWrittenWithOffset_IsAccepted()
    {
        var article = NormalizeOk(ValidDraft() with { Published = "2026-11-20 09:30", Updated = "2026-11-20T08:30:00Z" });

        Assert.Equal(article.PublishedAt, article.UpdatedAt);
    }

    [Fact]
    public void Normalize_PublishedInSkippedHour_FailsOnPublishedWithItsLine()
    {
        var draft = ValidDraft() with
        {
            Published = "2026-03-29 02:30",
            Lines = new Dictionary<string, int> { ["published"] = 5 },
        };

        var error = SingleError(Normalize(draft), "published");

        Assert.Equal(5, error.Line);
        Assert.Contains("Europe/Paris", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_UpdatedNotADate_FailsOnUpdated()
    {
        var error = SingleError(Normalize(ValidDraft() with { Updated = "demain" }), "updated");

        Assert.StartsWith("'demain' is not a date", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_SeveralProblems_ReportsEveryError()
    {
        var draft = new ArticleDraft { Title = null, Published = "hier", Access = "gold", Language = "français", Image = "javascript:alert(1)" };

        var result = Normalize(draft, "Bad Id");

        Assert.Null(result.Article);
        Assert.Equal(
            ["access", "id", "image", "language", "published", "title"],
            result.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    // ---- text cleaning ----

    [Fact]
    public void Normalize_ControlCharactersInTitle_AreRemovedWithWarning()
    {
        var draft = ValidDraft() with
        {
            Title = "Alerte\u0007 : le\u0000 centre\u001B d’appels",
            Lines = new Dictionary<string, int> { ["title"] = 3 },
        };

        var result = Normalize(draft);

        Assert.True(result.IsValid);
        Assert.Equal("Alerte : le centre d’appels", result.Article!.Title);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("title", warning.Field);
        Assert.Equal(3, warning.Line);
        Assert.Equal("removed 3 character(s) that XML forbids (U+0007, U+0000, U+001B)", warning.Message);
        Assert.Equal("alerte-le-centre-d-appels", result.Article.Slug);
    }

    [Fact]
    public void Normalize_RepeatedForbiddenCharacter_IsCountedEachTimeAndNamedOnce()
    {
        var result = Normalize(ValidDraft() with { Section = "\u0001Ana\u0001lyses\u0001" });

        Assert.Equal("Analyses", result.Article!.Section);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("section", warning.Field);
        Assert.Equal("removed 3 character(s) that XML forbids (U+0001)", warning.Message);
    }

    [Fact]
    public void Normalize_TitleWhiteSpace_IsCollapsed()
    {
        var article = NormalizeOk(ValidDraft() with { Title = "  Le   centre\td’appels\r\n  en   2026  " });

        Assert.Equal("Le centre d’appels en 2026", article.Title);
    }

    [Fact]
    public void Normalize_TitleWithMarkupCharacters_KeepsTextDropsTags()
    {
        var result = Normalize(ValidDraft() with { Title = "Coûts > 10 % & marges <b>en baisse</b> <à voir>" });

        Assert.Equal("Coûts > 10 % & marges en baisse <à voir>", result.Article!.Title);
        Assert.Contains(result.Warnings, w => w.Field == "title" && w.Message.Contains("removed HTML markup"));
    }

    [Fact]
    public void Normalize_DecomposedAccentsInTitle_AreComposed()
    {
        var article = NormalizeOk(ValidDraft() with { Title = "E\u0301te\u0301 2026" });

        Assert.Equal("\u00C9t\u00E9 2026", article.Title);
    }

    [Fact]
    public void Normalize_ForbiddenCharactersInBody_AreRemovedWithWarningOnContent()
    {
        var result = Normalize(ValidDraft() with { BodyMarkdown = "Texte\u0001 propre\uFFFE." });

        Assert.True(result.IsValid);
        Assert.Equal("<p>Texte propre.</p>", result.Article!.ContentHtml);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("content", warning.Field);
        Assert.Null(warning.Line);
        Assert.Equal("removed 2 character(s) that XML forbids (U+0001, U+FFFE)", warning.Message);
    }

    [Fact]
    public void Normalize_ForbiddenCharactersInHtmlBody_WarnOnContentHtml()
    {
        var result = Normalize(ValidDraft() with { BodyMarkdown = null, BodyHtml = "<p>Texte\u0008 propre.</p>" });

        Assert.Equal("<p>Texte propre.</p>", result.Article!.ContentHtml);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("contentHtml", warning.Field);
    }

    // ---- HTML sanitising ----

    [Theory]
    [InlineData("a&#1;b&#x1F;c&#xFFFE;d", null)]
    [InlineData(null, "<p>a&#1;b&#x1F;c&#xFFFE;d</p>")]
    public void Normalize_CharacterReferencesToForbiddenCharacters_LeaveNoForbiddenCharacter(string? markdown, string? html)
    {
        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = markdown, BodyHtml = html });

        TextCleaner.RemoveForbidden(article.ContentHtml, out var inContent);
        TextCleaner.RemoveForbidden(article.Summary, out var inSummary);
        Assert.Empty(inContent);
        Assert.Empty(inSummary);
        Assert.Equal("abcd", article.Summary);
    }


    [Fact]
    public void Normalize_UnsafeHtmlInMarkdown_IsRemovedWithWarnings()
    {
        var body = string.Join('\n',
            "Texte <span onclick=\"alert(1)\">cliquable</span>.",
            "",
            "<script>alert('x')</script>",
            "",
            "<iframe src=\"https://evil.example/\"></iframe>",
            "",
            "Un [lien](javascript:alert(1)) piégé.",
            "");

        var result = Normalize(ValidDraft() with { BodyMarkdown = body });

        Assert.True(result.IsValid);
        var html = result.Article!.ContentHtml;
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<span>cliquable</span>", html, StringComparison.Ordinal);
        Assert.Contains("Un <a>lien</a> piégé.", html, StringComparison.Ordinal);
        Assert.All(result.Warnings, w => Assert.Equal("content", w.Field));
        var messages = result.Warnings.Select(w => w.Message).ToArray();
        Assert.Contains("removed unsafe HTML: <script> element", messages);
        Assert.Contains("removed unsafe HTML: <iframe> element", messages);
        Assert.Contains("removed unsafe HTML: onclick attribute on <span>", messages);
        Assert.Contains("removed unsafe HTML: href attribute on <a>", messages);
        Assert.Equal(messages.Length, messages.Distinct().Count());
    }

    [Fact]
    public void Normalize_UnsafeHtmlBody_IsRemovedWithWarningsOnContentHtml()
    {
        var draft = ValidDraft() with
        {
            BodyMarkdown = null,
            BodyHtml = "<p onmouseover=\"steal()\">Bonjour <a href=\"javascript:alert(1)\">ici</a></p><script>steal()</script>",
        };

        var result = Normalize(draft);

        Assert.Equal("<p>Bonjour <a>ici</a></p>", result.Article!.ContentHtml);
        Assert.All(result.Warnings, w => Assert.Equal("contentHtml", w.Field));
        Assert.Equal(
            ["removed unsafe HTML: <script> element", "removed unsafe HTML: href attribute on <a>", "removed unsafe HTML: onmouseover attribute on <p>"],
            result.Warnings.Select(w => w.Message).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Normalize_RelativeLinkAndImageInMarkdown_AreMadeAbsolute()
    {
        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = "Voir [le dossier](/dossiers/ia) ![Photo](images/x.jpg)" });

        Assert.Equal(
            "<p>Voir <a href=\"https://www.en-contact.com/dossiers/ia\">le dossier</a> <img src=\"https://www.en-contact.com/images/x.jpg\" alt=\"Photo\"></p>",
            article.ContentHtml);
    }

    [Fact]
    public void Normalize_RelativeUrlsInHtmlBody_AreMadeAbsolute()
    {
        var article = NormalizeOk(ValidDraft() with
        {
            BodyMarkdown = null,
            BodyHtml = "<p><a href=\"/dossiers/ia\">Dossier</a><img src=\"images/x.jpg\" alt=\"x\"></p>",
        });

        Assert.Equal(
            "<p><a href=\"https://www.en-contact.com/dossiers/ia\">Dossier</a><img src=\"https://www.en-contact.com/images/x.jpg\" alt=\"x\"></p>",
            article.ContentHtml);
    }

    [Fact]
    public void Normalize_BaseUrlWithPathAndNoTrailingSlash_ResolvesUnderThatPath()
    {
        var options = new SiteOptions { BaseUrl = "https://www.en-contact.com/magazine" };

        var article = NormalizeOk(
            ValidDraft() with { BodyMarkdown = "[a](/dossiers/ia) ![b](images/x.jpg)", Image = "images/a.jpg" },
            options: options);

        Assert.Contains("href=\"https://www.en-contact.com/dossiers/ia\"", article.ContentHtml, StringComparison.Ordinal);
        Assert.Contains("src=\"https://www.en-contact.com/magazine/images/x.jpg\"", article.ContentHtml, StringComparison.Ordinal);
        Assert.Equal("https://www.en-contact.com/magazine/images/a.jpg", article.ImageUrl);
        Assert.Equal("https://www.en-contact.com/magazine/articles/le-conseiller-augmente", article.CanonicalUrl);
    }

    [Fact]
    public void Normalize_FragmentLinks_PointIntoTheArticleItself()
    {
        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = "[ancre](#haut) [dossier](/dossiers/ia#fin)\n\n<a href=\" #notes\">notes</a>" });

        Assert.Equal(
            "<p><a href=\"https://www.en-contact.com/articles/le-conseiller-augmente#haut\">ancre</a> <a href=\"https://www.en-contact.com/dossiers/ia#fin\">dossier</a></p>\n"
            + "<p><a href=\"https://www.en-contact.com/articles/le-conseiller-augmente#notes\">notes</a></p>",
            article.ContentHtml);
    }

    [Fact]
    public void Normalize_FragmentLinkInHtmlBodyWithAbsoluteUrlTemplate_UsesTheCanonicalUrl()
    {
        var options = new SiteOptions { ArticleUrlTemplate = "https://archives.example.org/a/{slug}.html" };

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = null, BodyHtml = "<p><a href=\"#haut\">haut</a></p>" }, options: options);

        Assert.Equal("<p><a href=\"https://archives.example.org/a/le-conseiller-augmente.html#haut\">haut</a></p>", article.ContentHtml);
    }

    [Fact]
    public void Normalize_AbsoluteAndMailtoLinks_AreKept()
    {
        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = "[site](https://example.org/x?a=1) [écrire](mailto:redaction@en-contact.com)" });

        Assert.Equal(
            "<p><a href=\"https://example.org/x?a=1\">site</a> <a href=\"mailto:redaction@en-contact.com\">écrire</a></p>",
            article.ContentHtml);
    }

    // ---- image ----

    [Theory]
    [InlineData("images/a.jpg", "https://www.en-contact.com/images/a.jpg")]
    [InlineData("/media/b.png", "https://www.en-contact.com/media/b.png")]
    [InlineData(" https://cdn.example.com/c.jpg ", "https://cdn.example.com/c.jpg")]
    [InlineData("http://cdn.example.com/d.jpg", "http://cdn.example.com/d.jpg")]
    public void Normalize_Image_IsResolvedToAbsoluteUrl(string image, string expected)
    {
        Assert.Equal(expected, NormalizeOk(ValidDraft() with { Image = image }).ImageUrl);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("ftp://example.org/a.jpg")]
    public void Normalize_ImageNotHttp_FailsOnImage(string image)
    {
        var draft = ValidDraft() with { Image = image, Lines = new Dictionary<string, int> { ["image"] = 9 } };

        var error = SingleError(Normalize(draft), "image");

        Assert.Equal(9, error.Line);
        Assert.Equal($"'{image}' is not an http(s) URL or a path on the site", error.Message);
    }

    [Fact]
    public void Normalize_BlankImage_IsNoImage()
    {
        Assert.Null(NormalizeOk(ValidDraft() with { Image = "  " }).ImageUrl);
    }

    // ---- slug and canonical URL ----

    [Fact]
    public void Normalize_AccentedTitle_DerivesAsciiSlug()
    {
        var article = NormalizeOk(ValidDraft() with { Title = "Œuvres & coûts : l’été" });

        Assert.Equal("oeuvres-couts-l-ete", Slugs.From("Œuvres & coûts : l’été"));
        Assert.Equal("oeuvres-couts-l-ete", article.Slug);
        Assert.Equal("https://www.en-contact.com/articles/oeuvres-couts-l-ete", article.CanonicalUrl);
    }

    [Fact]
    public void Normalize_GivenSlug_IsTrimmedAndUsed()
    {
        var article = NormalizeOk(ValidDraft() with { Slug = "  mon-article-2026 " });

        Assert.Equal("mon-article-2026", article.Slug);
        Assert.Equal("https://www.en-contact.com/articles/mon-article-2026", article.CanonicalUrl);
    }

    [Theory]
    [InlineData("Mon Article")]
    [InlineData("mon--article")]
    [InlineData("-mon-article")]
    [InlineData("mon_article")]
    [InlineData("été")]
    [InlineData("")]
    public void Normalize_InvalidGivenSlug_FailsOnSlug(string slug)
    {
        var draft = ValidDraft() with { Slug = slug, Lines = new Dictionary<string, int> { ["slug"] = 4 } };

        var error = SingleError(Normalize(draft), "slug");

        Assert.Equal(4, error.Line);
        Assert.StartsWith($"'{slug}' is not a valid slug", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_GivenSlugTooLong_FailsOnSlug()
    {
        SingleError(Normalize(ValidDraft() with { Slug = new string('a', 121) }), "slug");
        Assert.Equal(new string('a', 120), NormalizeOk(ValidDraft() with { Slug = new string('a', 120) }).Slug);
    }

    [Theory]
    [InlineData("???")]
    [InlineData("العربية")]
    [InlineData("🎉")]
    public void Normalize_TitleWithoutLatinLettersOrDigits_NeedsAGivenSlug(string title)
    {
        var error = SingleError(Normalize(ValidDraft() with { Title = title }), "slug");
        Assert.Equal("cannot be made from the title; give one", error.Message);

        var article = NormalizeOk(ValidDraft() with { Title = title, Slug = "donne" });
        Assert.Equal(title, article.Title);
        Assert.Equal("donne", article.Slug);
    }

    [Fact]
    public void Normalize_CanonicalUrlTemplate_ReplacesSectionIdAndSlug()
    {
        var options = new SiteOptions { ArticleUrlTemplate = "{section}/{id}/{slug}" };

        var article = NormalizeOk(ValidDraft() with { Section = "Indiscrétions" }, "ec.1", options);

        Assert.Equal("https://www.en-contact.com/indiscretions/ec.1/le-conseiller-augmente", article.CanonicalUrl);
    }

    [Fact]
    public void Normalize_AbsoluteCanonicalUrlTemplate_IsUsedAsIs()
    {
        var options = new SiteOptions { ArticleUrlTemplate = "https://archives.example.org/a/{slug}.html" };

        var article = NormalizeOk(ValidDraft(), options: options);

        Assert.Equal("https://archives.example.org/a/le-conseiller-augmente.html", article.CanonicalUrl);
    }

    // ---- language ----

    [Fact]
    public void Normalize_NoLanguage_UsesSiteDefault()
    {
        Assert.Equal("fr", NormalizeOk(ValidDraft()).Language);
        Assert.Equal("en", NormalizeOk(ValidDraft(), options: new SiteOptions { DefaultLanguage = "en" }).Language);
    }

    [Theory]
    [InlineData("français")]
    [InlineData("f")]
    [InlineData("fr_FR")]
    public void Normalize_BadLanguage_FailsOnLanguage(string language)
    {
        var error = SingleError(Normalize(ValidDraft() with { Language = language }), "language");

        Assert.StartsWith($"'{language}' is not a language tag", error.Message, StringComparison.Ordinal);
    }

    // ---- summary ----

    [Fact]
    public void Normalize_NoSummary_UsesFirstParagraphText()
    {
        var body = "# Titre\n\n![x](images/x.jpg)\n\nPremier   paragraphe *important*\navec [un lien](/a).\n\nSecond.";

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = body });

        Assert.Equal("Premier paragraphe important avec un lien.", article.Summary);
    }

    [Fact]
    public void Normalize_LongFirstParagraph_SummaryIsCutAtAWordWithEllipsis()
    {
        var words = Enumerable.Range(0, 100).Select(i => $"mot{i:00}").ToArray(); // 5 characters each
        var body = string.Join(' ', words) + "\n\nSecond paragraphe.";

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = body });

        // Spaces stand at 5, 11, …, 275, 281: the last one before index 280 is at 275, after 46 words.
        Assert.Equal(string.Join(' ', words.Take(46)) + "…", article.Summary);
        Assert.True(article.Summary.Length <= ArticleNormalizer.DerivedSummaryLength);
    }

    [Fact]
    public void Normalize_FirstParagraphOfExactlyTheLimit_IsNotCut()
    {
        var paragraph = string.Join(' ', Enumerable.Repeat("abcd", 56)); // 56 × 5 − 1 = 279 characters
        paragraph += "z";

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = paragraph });

        Assert.Equal(280, article.Summary.Length);
        Assert.Equal(paragraph, article.Summary);
    }

    [Fact]
    public void Normalize_LongParagraphOfEmoji_SummaryCutDoesNotSplitASurrogatePair()
    {
        // One early space only, so the summary is cut at 279 UTF-16 units, which falls inside an emoji.
        var body = "Bravo " + string.Concat(Enumerable.Repeat("🎉", 150));

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = body });

        Assert.StartsWith("Bravo 🎉🎉", article.Summary, StringComparison.Ordinal);
        Assert.EndsWith("🎉…", article.Summary, StringComparison.Ordinal);
        TextCleaner.RemoveForbidden(article.Summary, out var forbidden);
        Assert.Empty(forbidden);
    }

    [Fact]
    public void Normalize_GivenSummary_IsCleanedAndKept()
    {
        var article = NormalizeOk(ValidDraft() with { Summary = "Un résumé\nsur deux\u0007 lignes. " });

        Assert.Equal("Un résumé sur deux lignes.", article.Summary);
    }

    [Fact]
    public void Normalize_SummaryTooLong_FailsOnSummary()
    {
        var error = SingleError(Normalize(ValidDraft() with { Summary = new string('x', 2001) }), "summary");

        Assert.Equal("is 2001 characters long; the limit is 2000", error.Message);
    }

    // ---- lists ----

    [Fact]
    public void Normalize_Tags_AreCleanedLowercasedAndDeduplicated()
    {
        var article = NormalizeOk(ValidDraft() with { Tags = ["IA", "ia", " Relation   Client ", "Économie", "ÉCONOMIE", "", "  "] });

        Assert.Equal(["ia", "relation client", "économie"], article.Tags);
    }

    [Fact]
    public void Normalize_Authors_KeepCaseAndFirstSpellingOfDuplicates()
    {
        var article = NormalizeOk(ValidDraft() with { Authors = ["Anaïs Roche", "anaïs roche", "Marc  Dupuis"] });

        Assert.Equal(["Anaïs Roche", "Marc Dupuis"], article.Authors);
    }

    [Fact]
    public void Normalize_TooManyTags_FailsOnTags()
    {
        var tags = Enumerable.Range(0, 51).Select(i => $"t{i}").ToArray();

        var error = SingleError(Normalize(ValidDraft() with { Tags = tags }), "tags");

        Assert.Equal("has 51 entries; the limit is 50", error.Message);
        Assert.Equal(50, NormalizeOk(ValidDraft() with { Tags = tags[..50] }).Tags.Count);
    }

    [Fact]
    public void Normalize_AuthorNameTooLong_FailsOnAuthors()
    {
        var error = SingleError(Normalize(ValidDraft() with { Authors = [new string('a', 201)] }), "authors");

        Assert.Equal("is 201 characters long; the limit is 200", error.Message);
    }

    // ---- content hash ----

    [Fact]
    public void Normalize_SameDraftTwice_GivesSameContentHash()
    {
        var draft = ValidDraft() with { Tags = ["a", "b"], Authors = ["X"], Image = "images/a.jpg" };

        var first = NormalizeOk(draft);
        var second = NormalizeOk(draft with { });

        Assert.Equal(first.ContentHash, second.ContentHash);
        Assert.Equal(first.ContentHtml, second.ContentHtml);
        Assert.Equal(first.PublishedAt, second.PublishedAt);
    }

    [Fact]
    public void Normalize_DifferentSource_GivesSameContentHash()
    {
        var fromFile = CreateNormalizer().Normalize(ValidDraft(), Id, "file:2026/a.md").Article!;
        var fromApi = CreateNormalizer().Normalize(ValidDraft(), Id, Article.ApiSource).Article!;

        Assert.Equal(fromFile.ContentHash, fromApi.ContentHash);
    }

    [Fact]
    public void Normalize_ChangedTitle_GivesDifferentContentHash()
    {
        var first = NormalizeOk(ValidDraft());
        var second = NormalizeOk(ValidDraft() with { Title = "Le conseiller augmenté !", Slug = "le-conseiller-augmente" });

        Assert.Equal(first.Slug, second.Slug);
        Assert.NotEqual(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void Normalize_ChangedBodyOrTags_GivesDifferentContentHash()
    {
        var original = NormalizeOk(ValidDraft()).ContentHash;

        Assert.NotEqual(original, NormalizeOk(ValidDraft() with { BodyMarkdown = "Premier paragraphe.\n\nSecond paragraphe!\n" }).ContentHash);
        Assert.NotEqual(original, NormalizeOk(ValidDraft() with { Tags = ["ia"] }).ContentHash);
        Assert.NotEqual(original, NormalizeOk(ValidDraft() with { Access = "premium" }).ContentHash);
        Assert.NotEqual(original, NormalizeOk(ValidDraft() with { Updated = "2026-11-21" }).ContentHash);
    }

    [Fact]
    public void Normalize_WhiteSpaceOnlyDifferencesInTitle_GiveSameContentHash()
    {
        var first = NormalizeOk(ValidDraft() with { Title = "Le conseiller augmenté" });
        var second = NormalizeOk(ValidDraft() with { Title = "  Le  conseiller\taugmenté " });

        Assert.Equal(first.ContentHash, second.ContentHash);
    }

    // ---- body ----

    [Fact]
    public void Normalize_BothMarkdownAndHtmlBody_FailsOnContent()
    {
        var result = Normalize(ValidDraft() with { BodyMarkdown = "texte", BodyHtml = "<p>texte</p>" });

        var error = SingleError(result, "content");
        Assert.Equal("give the body either as Markdown or as HTML, not both", error.Message);
    }

    [Fact]
    public void Normalize_NoBody_GivesEmptyContentAndSummary()
    {
        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = null });

        Assert.Equal("", article.ContentHtml);
        Assert.Equal("", article.Summary);
    }

    [Fact]
    public void Normalize_OneMegabyteBody_IsRendered()
    {
        var builder = new StringBuilder();
        var count = 0;
        while (builder.Length < 1_048_576)
        {
            builder.Append("Paragraphe ").Append(count).Append(" : la relation client se transforme, ").Append(new string('x', 60)).Append(".\n\n");
            count++;
        }

        var article = NormalizeOk(ValidDraft() with { BodyMarkdown = builder.ToString() });

        Assert.True(article.ContentHtml.Length > 1_048_576);
        Assert.StartsWith("<p>Paragraphe 0 : la relation client se transforme, ", article.ContentHtml, StringComparison.Ordinal);
        Assert.EndsWith($"<p>Paragraphe {count - 1} : la relation client se transforme, {new string('x', 60)}.</p>", article.ContentHtml, StringComparison.Ordinal);
        Assert.Equal(count, article.ContentHtml.Split("<p>").Length - 1);
        Assert.Equal($"Paragraphe 0 : la relation client se transforme, {new string('x', 60)}.", article.Summary);
    }

    // ---- from a file ----

    [Fact]
    public void Normalize_ParsedFileWithBadAccess_ErrorNamesTheFileLine()
    {
        var parsed = FrontMatterParser.Parse(Encoding.UTF8.GetBytes(
            "---\ntitle: Bonjour\npublished: 2026-11-20 09:30\nsection: analyses\naccess: gold\n---\nCorps.\n"));

        var result = Normalize(parsed.Draft!);

        var error = SingleError(result, "access");
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void Normalize_ParsedSampleFileWithHorizontalRules_KeepsEveryPart()
    {
        var parsed = FrontMatterParser.Parse(Encoding.UTF8.GetBytes(
            "---\ntitle: \"Les indiscrétions de novembre\"\npublished: 2026-11-26 07:30\ntags: [BPO, bpo, Marché]\n---\n**Rabat.** Un rachat.\n\n---\n\n**Mercato.** Une DRH.\n"));

        var article = NormalizeOk(parsed.Draft!);

        Assert.Equal("<p><strong>Rabat.</strong> Un rachat.</p>\n<hr>\n<p><strong>Mercato.</strong> Une DRH.</p>", article.ContentHtml);
        Assert.Equal("Rabat. Un rachat.", article.Summary);
        Assert.Equal(["bpo", "marché"], article.Tags);
        Assert.Equal("les-indiscretions-de-novembre", article.Slug);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 6, 30, 0, TimeSpan.Zero), article.PublishedAt);
    }

    [Fact]
    public void Normalize_HtmlEntitiesInPlainTextFields_BecomeCharacters()
    {
        var article = NormalizeOk(ValidDraft() with
        {
            Title = "Caf&eacute;&nbsp;: R&amp;D &gt; tout",
            Authors = ["Ren&eacute;e Dupr&eacute;"],
            Summary = "L&rsquo;&eacute;t&eacute;",
        });

        Assert.Equal("Café\u00A0: R&D > tout", article.Title);
        Assert.Equal(["Renée Dupré"], article.Authors);
        Assert.Equal("L’été", article.Summary);
    }

    [Fact]
    public void Normalize_UndatedDraftTwice_GivesTheSameHash()
    {
        var draft = new ArticleDraft { Title = "Brouillon", Draft = true, BodyMarkdown = "x" };
        var site = Options.Create(new SiteOptions());
        var clock = new FakeTimeProvider(Now);
        var normalizer = new ArticleNormalizer(site, new MagazineTime(site), clock);

        var first = normalizer.Normalize(draft, Id, Source).Article!;
        clock.Advance(TimeSpan.FromDays(3));
        var second = normalizer.Normalize(draft, Id, Source).Article!;

        Assert.Equal(first.ContentHash, second.ContentHash);
        Assert.Equal(ArticleStatus.Draft, second.Status);
    }

    // ---- sections ----

    [Theory]
    [InlineData("etudes", "études")]
    [InlineData("ÉTUDES", "études")]
    [InlineData("Indiscretions", "indiscrétions")]
    [InlineData("actualités", "actualités")]
    [InlineData("Hors-série", "Hors-série")]
    public async Task Normalize_SectionMatchingAConfiguredOneIgnoringCaseAndAccents_TakesItsSpelling(string written, string stored)
    {
        await using var gateway = await Fixtures.Gateway.CreateAsync();
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();

        var article = normalizer.Normalize(ValidDraft() with { Section = written }, Id, Source).Article!;

        Assert.Equal(stored, article.Section);
    }

    [Fact]
    public async Task Normalize_ConfiguredSections_AreTheSpellingThatWins()
    {
        await using var gateway = await Fixtures.Gateway.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Subscribers:Sections:0"] = "Études de cas",
            ["Subscribers:Sections:1"] = "Analyses",
        });
        var normalizer = gateway.Services.GetRequiredService<ArticleNormalizer>();

        Assert.Equal("Études de cas", normalizer.Normalize(ValidDraft() with { Section = "etudes de cas" }, Id, Source).Article!.Section);
        Assert.Equal("Analyses", normalizer.Normalize(ValidDraft() with { Section = "analyses" }, Id, Source).Article!.Section);
        Assert.Equal("études", normalizer.Normalize(ValidDraft() with { Section = "études" }, Id, Source).Article!.Section);
    }
}
