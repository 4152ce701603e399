using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;

namespace EnContact.Syndication.Feeds;

/// <summary>Atom 1.0 with System.ServiceModel.Syndication: every id set explicitly, text titles, HTML content, RFC 5005 links.</summary>
public static class AtomFeedWriter
{
    public static byte[] Write(FeedModel model)
    {
        var feed = new SyndicationFeed
        {
            Id = model.Id,
            Title = new TextSyndicationContent(model.Title),
            Description = new TextSyndicationContent(model.Subtitle),
            Language = model.Language,
            LastUpdatedTime = model.Updated,
            Generator = FeedSetBuilder.Generator,
        };
        // Atom requires an author for every entry; the publication is the author of those without one.
        feed.Authors.Add(new SyndicationPerson { Name = model.Publisher });
        if (model.SelfUrl is not null)
            feed.Links.Add(new SyndicationLink(new Uri(model.SelfUrl(FeedFormat.Atom))) { RelationshipType = "self", MediaType = FeedFormat.Atom.MediaType() });
        feed.Links.Add(new SyndicationLink(new Uri(model.HomePageUrl)) { RelationshipType = "alternate", MediaType = "text/html" });
        if (model.HubUrl is not null)
            feed.Links.Add(new SyndicationLink(new Uri(model.HubUrl)) { RelationshipType = "hub" });
        AddLink(feed, "current", model.CurrentUrl);
        AddLink(feed, "prev-archive", model.PrevArchiveUrl);
        AddLink(feed, "next-archive", model.NextArchiveUrl);
        if (model.LogoUrl is not null)
            feed.ImageUrl = new Uri(model.LogoUrl);
        if (model.IconUrl is not null)
            FeedNamespaces.Add(feed.ElementExtensions, new XElement(FeedNamespaces.Atom + "icon", model.IconUrl), usePrefix: false); // Atom's own element
        if (model.IsArchive)
        {
            FeedNamespaces.Declare(feed, "fh", FeedNamespaces.History);
            FeedNamespaces.Add(feed.ElementExtensions, new XElement(FeedNamespaces.History + "archive"));
        }

        feed.Items = model.Entries.Select(ToItem).ToList();

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, FeedNamespaces.WriterSettings))
            new Atom10FeedFormatter(feed).WriteTo(writer);
        return buffer.ToArray();
    }

    private static void AddLink(SyndicationFeed feed, string relation, Func<FeedFormat, string>? url)
    {
        if (url is not null)
            feed.Links.Add(new SyndicationLink(new Uri(url(FeedFormat.Atom))) { RelationshipType = relation, MediaType = FeedFormat.Atom.MediaType() });
    }

    private static SyndicationItem ToItem(FeedEntry entry)
    {
        var item = new SyndicationItem
        {
            Id = entry.Id,
            Title = new TextSyndicationContent(entry.Title),
            PublishDate = entry.Published,
            LastUpdatedTime = entry.Updated,
            Summary = new TextSyndicationContent(entry.Summary),
            Content = new TextSyndicationContent(entry.ContentHtml, TextSyndicationContentKind.Html),
        };
        item.Links.Add(new SyndicationLink(new Uri(entry.Url)) { RelationshipType = "alternate", MediaType = "text/html" });
        if (entry.ImageUrl is not null)
            item.Links.Add(new SyndicationLink(new Uri(entry.ImageUrl)) { RelationshipType = "enclosure", MediaType = entry.ImageType });
        foreach (var author in entry.Authors)
            item.Authors.Add(new SyndicationPerson { Name = author });
        foreach (var category in entry.Categories)
            item.Categories.Add(new SyndicationCategory(category));
        return item;
    }
}
