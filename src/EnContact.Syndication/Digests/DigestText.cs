using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace EnContact.Syndication.Digests;

/// <summary>
/// An article's stored HTML as the plain-text part of a member's letter shows it: one paragraph per
/// block, list items marked, links followed by their address (a text reader cannot click a word),
/// pictures by their description. Indented two spaces, like the rest of an item in that part.
/// </summary>
public static class DigestText
{
    private const string Indent = "  ";

    private static readonly HtmlParser Parser = new();

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figure", "figcaption", "table", "tr", "ul", "ol", "hr",
    };

    public static string FullText(string html)
    {
        var document = Parser.ParseDocument("<body>" + html);
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        Walk(document.Body!, current, paragraphs);
        Flush(current, paragraphs);
        return string.Join("\n\n" + Indent, paragraphs);
    }

    private static void Walk(INode node, StringBuilder current, List<string> paragraphs)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    current.Append(text.Data);
                    break;
                case IElement { LocalName: "br" }:
                    current.Append('\n');
                    break;
                case IElement { LocalName: "img" } image:
                    if (image.GetAttribute("alt") is { Length: > 0 } alt)
                        current.Append('[').Append(alt).Append(']');
                    break;
                case IElement { LocalName: "a" } link:
                    Walk(link, current, paragraphs);
                    if (link.GetAttribute("href") is { Length: > 0 } href && href != link.TextContent.Trim())
                        current.Append(" (").Append(href).Append(')');
                    break;
                case IElement element when Blocks.Contains(element.LocalName):
                    Flush(current, paragraphs);
                    if (element.LocalName == "li")
                        current.Append("– ");
                    Walk(element, current, paragraphs);
                    Flush(current, paragraphs);
                    break;
                case IElement element:
                    Walk(element, current, paragraphs);
                    break;
            }
        }
    }

    /// <summary>Ends the paragraph being written: spaces folded, lines indented like the item around it.</summary>
    private static void Flush(StringBuilder current, List<string> paragraphs)
    {
        var lines = current.ToString().Split('\n')
            .Select(line => string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            .Where(line => line.Length > 0 && line != "–")
            .ToList();
        current.Clear();
        if (lines.Count > 0)
            paragraphs.Add(string.Join("\n" + Indent, lines));
    }
}
