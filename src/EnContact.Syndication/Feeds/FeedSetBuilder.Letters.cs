using System.Text;
using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Feeds;

public sealed partial class FeedSetBuilder
{
    /// <summary>
    /// The feed of the weekly letter's archive (Atom): one entry per letter that went out, newest first,
    /// listing its articles; dated by the newest letter, or by when the archive opened.
    /// </summary>
    public RenderedFeed BuildLetters(LetterArchiveContent archive)
    {
        var entries = archive.Letters.OrderByDescending(l => l.SentAt).ThenByDescending(l => l.Number).Select(LetterEntry).ToArray();
        // It lives where the archive puts it, outside /feeds/: its path on the site names it.
        var path = new Uri(archive.FeedUrl).AbsolutePath.TrimStart('/');
        var definition = new FeedDefinition(path, $"{_site.Title} — la lettre", _ => false);
        var model = Model(definition, entries) with
        {
            Id = $"tag:{_feeds.TagAuthority}:digests", // the id it had when the archive pages rendered it: ids never change
            Subtitle = $"Les lettres hebdomadaires d’{_site.Title}",
            HomePageUrl = archive.PageUrl,
            SelfUrl = _ => archive.FeedUrl,
            Updated = entries.Length == 0 ? Local(archive.OpenedAt) : entries.Max(e => e.Updated),
        };
        return new RenderedFeed(path, FeedFormat.Atom, AtomFeedWriter.Write(model), archive.FeedUrl, model.Title);
    }

    private FeedEntry LetterEntry(Letter letter)
    {
        var sent = Local(letter.SentAt);
        var html = new StringBuilder();
        foreach (var section in letter.Sections)
        {
            if (section.Name is not null)
                html.Append("<h2>").Append(HtmlText.Encode(SectionNames.ForDisplay(SectionOf(section.Name)))).Append("</h2>\n");
            html.Append("<ul>\n");
            foreach (var article in section.Articles)
                html.Append("<li><a href=\"").Append(HtmlText.Encode(article.Url)).Append("\">").Append(HtmlText.Encode(article.Title)).Append("</a></li>\n");
            html.Append("</ul>\n");
        }
        html.Append("<p><a href=\"").Append(HtmlText.Encode(letter.Url)).Append("\">Lire la lettre en ligne</a></p>");
        return new FeedEntry
        {
            Id = $"tag:{_feeds.TagAuthority}:digest/{letter.Number}",
            Title = letter.Subject,
            Url = letter.Url,
            Published = sent,
            Updated = sent,
            Authors = [], // the feed's author, the magazine, stands for every letter
            Categories = [.. letter.Sections.Select(s => s.Name).OfType<string>().Select(SectionOf).Distinct()],
            Summary = string.Join(" · ", letter.Sections.SelectMany(s => s.Articles).Select(a => a.Title)),
            ContentHtml = html.ToString(),
            Language = _site.DefaultLanguage,
        };
    }
}
