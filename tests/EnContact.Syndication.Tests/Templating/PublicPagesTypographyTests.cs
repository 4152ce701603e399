using AngleSharp.Dom;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Templating;

/// <summary>French typography on every public page: no ordinary space before ; ! ? : and none inside « », outside URLs and code.</summary>
[Trait("Speed", "Slow")]
public sealed class PublicPagesTypographyTests
{
    public static TheoryData<string> Pages => ["/", "/feeds", "/subscribe", "/digests", "/links", "/nulle-part", "/preferences/abime", "/unsubscribe/abime"];

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Text_UsesNoBreakSpacesBeforeHighPunctuationAndInsideQuotes(string path)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await Feeds.FeedTestData.SaveAllAsync(gateway);
        await gateway.WaitForFeedsAsync();
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync(path);

        var texts = page.Document.Body!.Descendants<IText>()
            .Where(t => t.ParentElement?.Closest("code, script, style") is null)
            .Select(t => t.Data.Replace('\n', ' '))
            .ToList();
        var wrong = texts.Where(t => System.Text.RegularExpressions.Regex.IsMatch(t, @" [;:!?]|« | »")).ToList();
        Assert.True(wrong.Count == 0, $"{path}: ordinary spaces in French punctuation:\n{string.Join("\n", wrong.Select(w => w.Trim()))}");
    }
}
