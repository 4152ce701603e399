using AngleSharp.Html.Parser;

namespace EnContact.Syndication.Sources;

/// <summary>
/// Makes the links and images of an upstream item's HTML absolute against the item's own base (its
/// <c>xml:base</c> or the feed's URL). The normaliser would otherwise resolve them against our site,
/// where the CMS's "/wp-content/…" does not exist.
/// </summary>
public static class RelativeUrls
{
    private static readonly string[] Attributes = ["href", "src", "poster", "cite"];

    public static string Resolve(string html, Uri baseUri)
    {
        if (!html.Contains('='))
            return html;
        var document = new HtmlParser().ParseDocument("<!DOCTYPE html><html><body>" + html);
        var body = document.Body!;
        var changed = false;
        foreach (var element in body.QuerySelectorAll("*"))
        {
            foreach (var name in Attributes)
            {
                if (element.GetAttribute(name) is { } value && !value.StartsWith('#') && XmlFeedReader.Absolute(baseUri, value) is { } absolute && absolute != value)
                {
                    element.SetAttribute(name, absolute);
                    changed = true;
                }
            }
            if (element.GetAttribute("srcset") is { } srcset)
            {
                var candidates = srcset.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(candidate =>
                {
                    var parts = candidate.Split(' ', 2);
                    var url = XmlFeedReader.Absolute(baseUri, parts[0]) ?? parts[0];
                    return parts.Length == 2 ? $"{url} {parts[1]}" : url;
                });
                element.SetAttribute("srcset", string.Join(", ", candidates));
                changed = true;
            }
        }
        return changed ? body.InnerHtml : html;
    }
}
