using System.ServiceModel.Syndication;
using System.Xml;
using System.Xml.Linq;

namespace EnContact.Syndication.Feeds;

/// <summary>XML namespaces used by the feed extensions, and helpers to add them once at the root.</summary>
public static class FeedNamespaces
{
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    public static readonly XNamespace Content = "http://purl.org/rss/1.0/modules/content/";
    public static readonly XNamespace DublinCore = "http://purl.org/dc/elements/1.1/";
    public static readonly XNamespace SyndicationModule = "http://purl.org/rss/1.0/modules/syndication/";
    public static readonly XNamespace Media = "http://search.yahoo.com/mrss/";
    /// <summary>RFC 5005 feed history.</summary>
    public static readonly XNamespace History = "http://purl.org/syndication/history/1.0";

    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    /// <summary>Declares a prefix on the root element, so extensions do not each repeat an xmlns attribute.</summary>
    public static void Declare(SyndicationFeed feed, string prefix, XNamespace ns) =>
        feed.AttributeExtensions.Add(new XmlQualifiedName(prefix, XmlnsNamespace), ns.NamespaceName);

    private static readonly Dictionary<XNamespace, string> Prefixes = new()
    {
        [Atom] = "atom", [Content] = "content", [DublinCore] = "dc", [SyndicationModule] = "sy", [Media] = "media", [History] = "fh",
    };

    /// <summary>Adds an extension element written with its usual prefix (<c>dc:creator</c>, not <c>&lt;creator xmlns="…"&gt;</c>): some readers match prefixes.</summary>
    public static void Add(SyndicationElementExtensionCollection extensions, XElement element, bool usePrefix = true)
    {
        if (usePrefix && Prefixes.TryGetValue(element.Name.Namespace, out var prefix) && element.Attribute(XNamespace.Xmlns + prefix) is null)
            element.Add(new XAttribute(XNamespace.Xmlns + prefix, element.Name.NamespaceName));
        using var reader = element.CreateReader();
        extensions.Add(reader);
    }

    public static XmlWriterSettings WriterSettings => new()
    {
        Encoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        // Text was cleaned at ingestion; this is the last line of defence against an ill-formed feed.
        CheckCharacters = true,
    };
}
