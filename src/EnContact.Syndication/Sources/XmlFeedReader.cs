using System.ServiceModel.Syndication;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using EnContact.Syndication.Feeds;

namespace EnContact.Syndication.Sources;

/// <summary>
/// RSS 2.0 and Atom 1.0 documents, read with System.ServiceModel.Syndication. The document is read
/// once as XML (no DTD, no resolver: nothing outside it is ever fetched); then each item is read on
/// its own, inside a copy of its channel without the other items, so one item the formatter refuses
/// costs that item only, and an item keeps its channel's namespaces and <c>xml:base</c>.
/// </summary>
public static class XmlFeedReader
{
    // The extensions the gateway's own feeds write are the ones CMS feeds carry.
    private static readonly XNamespace Atom = FeedNamespaces.Atom;
    private static readonly XNamespace Content = FeedNamespaces.Content;
    private static readonly XNamespace Dc = FeedNamespaces.DublinCore;
    private static readonly XNamespace Media = FeedNamespaces.Media;
    private static readonly XName XmlBase = XNamespace.Xml + "base";

    static XmlFeedReader() =>
        // windows-1252 and the other code pages CMSs still declare.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static XmlReaderSettings Settings() => new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreWhitespace = true,
        IgnoreProcessingInstructions = true,
    };

    public static UpstreamDocument Read(Stream bytes, Uri feedUrl)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(bytes, Settings());
            document = XDocument.Load(reader);
        }
        catch (Exception e) when (e is XmlException or ArgumentException or NotSupportedException or DecoderFallbackException)
        {
            throw new UnreadableFeedException($"the document is not well-formed XML: {e.Message}", e);
        }
        var root = document.Root!;
        if (root.Name.LocalName == "rss" && root.Name.Namespace == XNamespace.None)
        {
            var channel = root.Element("channel") ?? throw new UnreadableFeedException("the RSS document has no <channel>");
            return ReadItems(root, channel, channel.Elements("item").ToList(), () => new Rss20FeedFormatter(), feedUrl, "rss");
        }
        if (root.Name == Atom + "feed")
            return ReadItems(root, root, root.Elements(Atom + "entry").ToList(), () => new Atom10FeedFormatter(), feedUrl, "atom");
        throw new UnreadableFeedException($"the document is neither RSS 2.0 nor Atom 1.0 (its root element is <{root.Name.LocalName}>)");
    }

    private static UpstreamDocument ReadItems(XElement root, XElement container, List<XElement> itemElements, Func<SyndicationFeedFormatter> formatterOf, Uri feedUrl, string format)
    {
        var notes = new List<string>();
        var items = new List<UpstreamItem>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var containerBase = BaseOf(container, feedUrl);

        // The skeleton: the document without its items; each item is read alone inside it.
        foreach (var element in itemElements)
            element.Remove();
        var number = 0;
        foreach (var element in itemElements)
        {
            number++;
            container.Add(element);
            try
            {
                string? badDate = null;
                var formatter = formatterOf();
                formatter.DateTimeParser = (XmlDateTimeData data, out DateTimeOffset value) =>
                {
                    var parsed = FeedDates.Parse(data.DateTimeString);
                    if (parsed is null)
                        badDate = data.DateTimeString;
                    value = parsed ?? DateTimeOffset.MinValue;
                    return true;
                };
                using (var reader = root.CreateReader())
                {
                    reader.MoveToContent();
                    formatter.ReadFrom(reader);
                }
                var syndicationItem = formatter.Feed.Items.Single();
                var item = ToItem(syndicationItem, element, BaseOf(element, feedUrl), format);
                if (item is null)
                {
                    notes.Add($"item {number} ('{Shorten(syndicationItem.Title?.Text)}') has neither an id nor a link: skipped");
                    continue;
                }
                if (!keys.Add(item.Key))
                {
                    notes.Add($"item {number}: the id '{Shorten(item.Key)}' appears more than once in the document; the first is kept");
                    continue;
                }
                if (badDate is not null)
                    notes.Add($"item '{Shorten(item.Key)}': '{Shorten(badDate)}' is not a date; the time it was first seen stands in");
                items.Add(item);
            }
            catch (Exception e) when (e is XmlException or FormatException or ArgumentException or InvalidOperationException or UriFormatException)
            {
                notes.Add($"item {number} could not be read: {e.Message}");
            }
            finally
            {
                element.Remove();
            }
        }
        return new UpstreamDocument(items, notes, OlderPage(container, containerBase), format);
    }

    private static UpstreamItem? ToItem(SyndicationItem item, XElement element, Uri baseUri, string format)
    {
        var link = item.Links.FirstOrDefault(l => l.RelationshipType is null or "alternate")?.Uri is { } href ? Absolute(baseUri, href.OriginalString) : null;
        var key = string.IsNullOrWhiteSpace(item.Id) ? link : item.Id.Trim();
        if (string.IsNullOrEmpty(key))
            return null;

        string? content = null;
        if (format == "rss")
            content = element.Element(Content + "encoded")?.Value;
        else if (item.Content is TextSyndicationContent text)
            content = text.Type == "text" ? $"<p>{System.Net.WebUtility.HtmlEncode(text.Text)}</p>" : text.Text;
        var summary = item.Summary?.Text;

        var authors = element.Elements(Dc + "creator").Select(e => e.Value.Trim())
            .Concat(item.Authors.Select(a => AuthorName(a.Name, a.Email)))
            .Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a!).Distinct(StringComparer.Ordinal).ToList();
        var categories = item.Categories.Select(c => string.IsNullOrWhiteSpace(c.Label) ? c.Name : c.Label)
            .Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();

        DateTimeOffset? published = item.PublishDate == DateTimeOffset.MinValue ? null : item.PublishDate.ToUniversalTime();
        DateTimeOffset? updated = item.LastUpdatedTime == DateTimeOffset.MinValue ? null : item.LastUpdatedTime.ToUniversalTime();
        published ??= FeedDates.Parse(element.Element(Dc + "date")?.Value) ?? updated;

        var image = item.Links.FirstOrDefault(l => l.RelationshipType == "enclosure" && l.MediaType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true)?.Uri?.OriginalString
            ?? element.Elements(Media + "content").FirstOrDefault(e => (string?)e.Attribute("medium") == "image" || ((string?)e.Attribute("type"))?.StartsWith("image/", StringComparison.Ordinal) == true)?.Attribute("url")?.Value
            ?? element.Element(Media + "thumbnail")?.Attribute("url")?.Value;

        return new UpstreamItem
        {
            Key = key,
            Title = item.Title?.Text,
            Link = link,
            ContentHtml = content is null ? null : RelativeUrls.Resolve(content, baseUri),
            Summary = summary,
            Authors = authors,
            Categories = categories,
            Published = published,
            Updated = updated,
            Image = image is null ? null : Absolute(baseUri, image),
        };
    }

    /// <summary>RSS's author is an address, often "address (Name)": the name when there is one.</summary>
    private static string? AuthorName(string? name, string? email)
    {
        if (!string.IsNullOrWhiteSpace(name))
            return name.Trim();
        if (string.IsNullOrWhiteSpace(email))
            return null;
        var open = email.IndexOf('(');
        var close = email.LastIndexOf(')');
        return open >= 0 && close > open + 1 ? email[(open + 1)..close].Trim() : email.Trim();
    }

    /// <summary>The archive page before this one: RFC 5005 <c>prev-archive</c>, else a paged feed's <c>next</c>.</summary>
    private static Uri? OlderPage(XElement container, Uri baseUri)
    {
        var links = container.Elements(Atom + "link").Select(l => (Rel: (string?)l.Attribute("rel"), Href: (string?)l.Attribute("href"))).ToList();
        var href = links.FirstOrDefault(l => l.Rel == "prev-archive").Href ?? links.FirstOrDefault(l => l.Rel == "next").Href;
        return href is not null && Absolute(baseUri, href) is { } absolute ? new Uri(absolute) : null;
    }

    /// <summary>The base URI in force at an element: the feed's URL, then every <c>xml:base</c> from the root down.</summary>
    private static Uri BaseOf(XElement element, Uri feedUrl)
    {
        var baseUri = feedUrl;
        foreach (var ancestor in element.AncestorsAndSelf().Reverse())
            if (ancestor.Attribute(XmlBase)?.Value is { } value && Uri.TryCreate(baseUri, value, out var next))
                baseUri = next;
        return baseUri;
    }

    public static string? Absolute(Uri baseUri, string reference) =>
        Uri.TryCreate(baseUri, reference.Trim(), out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri.AbsoluteUri : null;

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "…";
}
