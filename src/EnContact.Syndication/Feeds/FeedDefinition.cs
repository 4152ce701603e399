using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// One logical feed (site-wide, a section, a tag, or a month of the archive) and the articles it
/// holds. <see cref="Path"/> is its location under <c>/feeds/</c> without the extension.
/// </summary>
public sealed record FeedDefinition(string Path, string Title, Func<Article, bool> Includes, bool IsArchive = false)
{
    public const string AllPath = "all";

    public static FeedDefinition All(string siteTitle) => new(AllPath, siteTitle, _ => true);

    /// <summary>A section's feed, titled with <paramref name="section"/> as spelt (give the configured spelling), capitalised.</summary>
    public static FeedDefinition ForSection(string siteTitle, string section) =>
        new($"sections/{Slugs.From(section)}", $"{siteTitle} — {SectionNames.ForDisplay(section)}", a => a.Section is { } s && Slugs.From(s) == Slugs.From(section));

    public static FeedDefinition ForTag(string siteTitle, string tag) =>
        new($"tags/{Slugs.From(tag)}", $"{siteTitle} — #{tag}", a => a.Tags.Any(t => Slugs.From(t) == Slugs.From(tag)));

    /// <summary>The RFC 5005 archive page of one calendar month (magazine time) of the site-wide feed.</summary>
    public static FeedDefinition ForMonth(string siteTitle, string month, Func<Article, string> monthOf) =>
        new($"archive/{month}", $"{siteTitle} — archives {month}", a => monthOf(a) == month, IsArchive: true);

    public string FileName(FeedFormat format) => $"{Path}.{format.Extension()}";
}
