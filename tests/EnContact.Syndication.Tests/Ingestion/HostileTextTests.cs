using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Ingestion;

/// <summary>
/// Values built to hurt: markup spelt as entities, tags outside any list, inputs whose cleaning would
/// cost minutes. Plain-text fields end with no markup; costly inputs are refused before the costly step.
/// </summary>
public sealed class HostileTextTests
{
    private static readonly ArticleNormalizer Normalizer = new(Options.Create(new SiteOptions()), new MagazineTime(Options.Create(new SiteOptions())),
        new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero)));

    private static ArticleDraft Draft() => new() { Title = "Titre", Published = "2026-11-20 09:30", BodyMarkdown = "Texte.\n" };

    private static NormalizationResult Normalize(ArticleDraft draft) => Normalizer.Normalize(draft, "ec-1", "file:a.md");

    public static TheoryData<string> Smuggled => new()
    {
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&amp;lt;script&amp;gt;alert(1)",
        "<details open ontoggle=alert(1)>x</details>",
        "<svg/onload=alert(1)>",
        "<<script>script>alert(1)<</script>/script>",
        "&#60;img src=x onerror=alert(1)&#62;",
        "<!-- commentaire --><marquee>x</marquee>",
        "x &lt;iframe",
    };

    [Theory]
    [MemberData(nameof(Smuggled))]
    public void PlainTextFields_AfterDecoding_HoldNoMarkup(string value)
    {
        var article = Normalize(Draft() with
        {
            Title = "Titre " + value, Summary = value, Authors = ["Auteur " + value], Tags = ["tag " + value], Section = "analyses " + value, Issue = "N° " + value,
        }).Article!;

        foreach (var text in new[] { article.Title, article.Summary, article.Authors[0], article.Tags[0], article.Section!, article.Issue! })
            Assert.False(HasMarkup(text), $"markup left in '{text}'");
    }

    [Fact]
    public void DerivedSummary_OfABodyWritingAboutTags_HoldsNoMarkup()
    {
        var article = Normalize(Draft() with { BodyHtml = "<p>La balise &lt;script&gt;alert(1)&lt;/script&gt; est filtrée.</p>", BodyMarkdown = null }).Article!;

        Assert.False(HasMarkup(article.Summary), article.Summary);
        Assert.Contains("est filtrée", article.Summary);
    }

    [Fact]
    public void PlainTextWithComparisonsAndAccents_StaysAsWritten()
    {
        Assert.Equal("Coûts > 10 % & marges <à voir> a < b", Normalize(Draft() with { Title = "Coûts > 10 % & marges <à voir> a < b" }).Article!.Title);
    }

    [Fact]
    public void HugeTitleOfUnclosedComments_IsRefusedByItsLength()
    {
        var result = Normalize(Draft() with { Title = string.Concat(Enumerable.Repeat("<!--", 1_000_000)) });

        var error = Assert.Single(result.Errors);
        Assert.Equal(("title", "is 4000000 characters long; the limit is 300"), (error.Field, error.Message));
    }

    [Fact]
    public void TitleOfMarkupOnlyUnderTheRawLimit_IsCleanedToNothingAndRequired()
    {
        var result = Normalize(Draft() with { Title = string.Concat(Enumerable.Repeat("<b></b>", 150)) });

        Assert.Equal(("title", "is required"), (result.Errors[0].Field, result.Errors[0].Message));
    }

    [Theory]
    [InlineData("html")]
    [InlineData("markdown")]
    public void DeeplyNestedBody_IsRefusedBeforeItIsSanitised(string kind)
    {
        const int depth = 100_000;
        var html = string.Concat(Enumerable.Repeat("<div>", depth)) + "x" + string.Concat(Enumerable.Repeat("</div>", depth));
        var draft = kind == "html" ? Draft() with { BodyHtml = html, BodyMarkdown = null } : Draft() with { BodyMarkdown = html };

        var result = Normalize(draft);

        var error = Assert.Single(result.Errors);
        Assert.Contains($"more than {ArticleNormalizer.MaxHtmlDepth} levels deep", error.Message);
    }

    [Fact]
    public void MarkdownOfFiftyThousandQuoteMarks_IsAnErrorNotAnException()
    {
        var result = Normalize(Draft() with { BodyMarkdown = new string('>', 50_000) });

        Assert.Contains("nests too deeply", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void ReasonablyNestedBody_IsKept()
    {
        var html = string.Concat(Enumerable.Repeat("<div>", 40)) + "<p>texte<br>suite<p>autre" + string.Concat(Enumerable.Repeat("</div>", 40));

        Assert.True(Normalize(Draft() with { BodyHtml = html, BodyMarkdown = null }).IsValid);
    }

    private static bool HasMarkup(string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
            if (text[i] == '<' && (char.IsAsciiLetter(text[i + 1]) || text[i + 1] is '/' or '!' or '?'))
                return true;
        return false;
    }
}
