using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;
using static EnContact.Syndication.Feeds.FeedNamespaces;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// RSS 2.0 with System.ServiceModel.Syndication. Extensions are written by hand (not "as Atom"),
/// because that mode drops rel="self": <c>atom:link</c> self/hub/archives, <c>dc:creator</c> for
/// names (RSS &lt;author&gt; must be an e-mail), <c>content:encoded</c>, <c>media:content</c>, and
/// <c>sy:</c> update hints consistent with the HTTP cache policy.
/// </summary>
public static class RssFeedWriter
{
    public static byte[] Write(FeedModel model)
    {
        var feed = new SyndicationFeed
        {
            Title = new TextSyndicationContent(model.Title),
            Description = new TextSyndicationContent(model.Subtitle),
            Language = model.Language,
            LastUpdatedTime = model.Updated,
            Generator = FeedSetBuilder.Generator,
            TimeToLive = TimeSpan.FromMinutes(model.TimeToLiveMinutes),
        };
        Declare(feed, "atom", Atom);
        Declare(feed, "dc", DublinCore);
        Declare(feed, "content", Content);
        Declare(feed, "sy", SyndicationModule);
        Declare(feed, "media", Media);

        feed.Links.Add(SyndicationLink.CreateAlternateLink(new Uri(model.HomePageUrl)));
        if (model.SelfUrl is not null)
            AddAtomLink(feed, "self", model.SelfUrl(FeedFormat.Rss), FeedFormat.Rss.MediaType());
        if (model.HubUrl is not null)
            AddAtomLink(feed, "hub", model.HubUrl, null);
        if (model.CurrentUrl is not null)
            AddAtomLink(feed, "current", model.CurrentUrl(FeedFormat.Rss), FeedFormat.Rss.MediaType());
        if (model.PrevArchiveUrl is not null)
            AddAtomLink(feed, "prev-archive", model.PrevArchiveUrl(FeedFormat.Rss), FeedFormat.Rss.MediaType());
        if (model.NextArchiveUrl is not null)
            AddAtomLink(feed, "next-archive", model.NextArchiveUrl(FeedFormat.Rss), FeedFormat.Rss.MediaType());
        if (model.IsArchive)
        {
            Declare(feed, "fh", History);
            Add(feed.ElementExtensions, new XElement(History + "archive"));
        }
        if (model.LogoUrl is not null)
            feed.ImageUrl = new Uri(model.LogoUrl);

        var (period, frequency) = UpdateHint(model.TimeToLiveMinutes);
        Add(feed.ElementExtensions, new XElement(SyndicationModule + "updatePeriod", period));
        Add(feed.ElementExtensions, new XElement(SyndicationModule + "updateFrequency", frequency));

        feed.Items = model.Entries.Select(ToItem).ToList();

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, WriterSettings))
            new Rss20FeedFormatter(feed, serializeExtensionsAsAtom: false).WriteTo(writer);
        return buffer.ToArray();
    }

    private static readonly (string Period, int Minutes)[] Periods = [("hourly", 60), ("daily", 1440), ("weekly", 10080), ("monthly", 43200), ("yearly", 525600)];

    /// <summary><c>sy:updatePeriod</c>/<c>sy:updateFrequency</c> saying the same as Cache-Control's max-age: the shortest period that holds it, and how many times in it.</summary>
    public static (string Period, int Frequency) UpdateHint(int minutes)
    {
        var (period, length) = Periods.FirstOrDefault(p => minutes <= p.Minutes, Periods[^1]);
        return (period, Math.Max(1, (int)Math.Round((double)length / minutes)));
    }

    private static void AddAtomLink(SyndicationFeed feed, string relation, string href, string? type)
    {
        var link = new XElement(Atom + "link", new XAttribute("href", href), new XAttribute("rel", relation));
        if (type is not null)
            link.Add(new XAttribute("type", type));
        Add(feed.ElementExtensions, link);
    }

    private static SyndicationItem ToItem(FeedEntry entry)
    {
        var item = new SyndicationItem
        {
            Id = entry.Id,
            Title = new TextSyndicationContent(entry.Title),
            PublishDate = entry.Published,
            // Readers render an RSS description as HTML, so the plain-text summary is written as the HTML for that text.
            Summary = new TextSyndicationContent(Base.HtmlText.Encode(entry.Summary)),
        };
        item.Links.Add(SyndicationLink.CreateAlternateLink(new Uri(entry.Url)));
        foreach (var category in entry.Categories)
            item.Categories.Add(new SyndicationCategory(category));
        foreach (var author in entry.Authors)
            Add(item.ElementExtensions, new XElement(DublinCore + "creator", author));
        Add(item.ElementExtensions, new XElement(Content + "encoded", entry.ContentHtml));
        if (entry.ImageUrl is not null)
        {
            var media = new XElement(Media + "content", new XAttribute("url", entry.ImageUrl), new XAttribute("medium", "image"));
            if (entry.ImageType is not null)
                media.Add(new XAttribute("type", entry.ImageType));
            Add(item.ElementExtensions, media);
        }
        return item;
    }
}
