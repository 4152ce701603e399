using AngleSharp;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;
using Markdig;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Turns an article body (Markdown, or HTML from the API) into safe HTML: Markdig renders the
/// Markdown, HtmlSanitizer removes scripts, iframes, event handlers and <c>javascript:</c> URLs
/// and resolves relative links and images against the site's base URL (several feed readers
/// ignore <c>xml:base</c>, so every URL must be absolute); a link to a place in the article itself
/// (<c>#notes</c>) resolves against the article's own URL, where that place is.
/// </summary>
public static class HtmlCleaner
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseEmphasisExtras()
        .UsePipeTables()
        .UseAutoLinks()
        .UseFootnotes()
        .UseListExtras()
        .Build();

    private static readonly HtmlParser Parser = new();

    public static string RenderMarkdown(string markdown) => Markdown.ToHtml(markdown, Pipeline);

    // Configuring an HtmlSanitizer costs more than most sanitising (measured: 163 µs vs 105 µs an
    // article), so each thread keeps one; its events report into the list of the call in progress.
    [ThreadStatic] private static HtmlSanitizer? _sanitizer;
    [ThreadStatic] private static List<string>? _removed;
    [ThreadStatic] private static Uri? _documentUri;

    /// <summary>
    /// Sanitised HTML; <paramref name="removed"/> names what was taken out, for the editor's warning.
    /// <paramref name="documentUri"/> is the article's own URL, the base of fragment-only links (without it, <paramref name="baseUri"/>).
    /// </summary>
    public static string Sanitize(string html, Uri baseUri, out IReadOnlyList<string> removed, Uri? documentUri = null) =>
        Sanitize(html, baseUri, out removed, out _, documentUri, firstParagraphLength: 0);

    /// <summary>
    /// As above, and, when <paramref name="firstParagraphLength"/> is above 0, the text of the first paragraph
    /// (as <see cref="FirstParagraphText(string, int)"/> gives it for the sanitised HTML) read from the sanitised
    /// document itself: an article without a summary costs one HTML parse, not two.
    /// </summary>
    public static string Sanitize(string html, Uri baseUri, out IReadOnlyList<string> removed, out string? firstParagraph, Uri? documentUri, int firstParagraphLength)
    {
        var gone = new List<string>();
        _removed = gone;
        _documentUri = documentUri;
        try
        {
            // HtmlSanitizer.Sanitize is SanitizeDom then this serialisation; the document is kept for the paragraph.
            var sanitizer = _sanitizer ??= CreateSanitizer();
            using var document = sanitizer.SanitizeDom(html, baseUri.AbsoluteUri);
            var serialized = document.Body is { } body ? body.ChildNodes.ToHtml(sanitizer.OutputFormatter) : "";
            // Character references (&#1;) become characters only now, so clean again after parsing.
            var clean = TextCleaner.RemoveForbidden(serialized, out var forbidden);
            if (forbidden.Count > 0)
                gone.Add($"{forbidden.Count} character reference(s) to characters that XML forbids ({string.Join(", ", forbidden.Distinct())})");
            firstParagraph = firstParagraphLength > 0 ? FirstParagraphText(document, firstParagraphLength) : null;
            removed = gone;
            return clean.Trim();
        }
        finally
        {
            _removed = null;
            _documentUri = null;
        }
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Add("mailto");
        // Markdig marks fenced code with class="language-x"; classes carry no script or style.
        sanitizer.AllowedAttributes.Add("class");
        // Inline styles fight readers' themes, and the W3C feed validator flags them.
        sanitizer.AllowedAttributes.Remove("style");
        // An article has no business collecting input: forms would phish inside feed readers.
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "optgroup", "textarea", "label", "fieldset", "legend", "datalist", "output" })
            sanitizer.AllowedTags.Remove(tag);
        sanitizer.RemovingTag += (_, e) => _removed?.Add($"<{e.Tag.LocalName}> element");
        sanitizer.RemovingAttribute += (_, e) => _removed?.Add($"{e.Attribute.Name} attribute on <{e.Tag.LocalName}>");
        sanitizer.RemovingStyle += (_, e) => _removed?.Add($"style {e.Style.Name} on <{e.Tag.LocalName}>");
        // The sanitiser resolves "#haut" against the site's base, i.e. the home page; the anchor is in the article.
        sanitizer.FilterUrl += (_, e) =>
        {
            if (_documentUri is { } document && e.SanitizedUrl is not null && e.OriginalUrl.Trim() is ['#', ..] fragment)
                e.SanitizedUrl = new Uri(document, fragment).AbsoluteUri;
        };
        return sanitizer;
    }

    private static readonly System.Collections.Frozen.FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> UncountedElements =
        System.Collections.Frozen.FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
            // Void elements never hold others; these may leave their end tag out, so nothing is known of their depth.
            "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
            "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "colgroup", "rb", "rt", "rtc", "rp",
            "html", "head", "body").GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// How deep elements nest in <paramref name="html"/>, counted in one pass over the tags before any
    /// parser sees them, and stopped as soon as it passes <paramref name="stopAt"/>. It errs on the high
    /// side (an element left open counts as open); void elements and those whose end tag is optional do not count.
    /// </summary>
    public static int NestingDepth(string html, int stopAt)
    {
        int depth = 0, deepest = 0;
        for (var i = html.IndexOf('<'); i >= 0 && i < html.Length - 1; i = html.IndexOf('<', i))
        {
            if (html.AsSpan(i).StartsWith("<!--"))
            {
                var close = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                if (close < 0)
                    break;
                i = close + 3;
                continue;
            }
            var closing = html[i + 1] == '/';
            var start = i + (closing ? 2 : 1);
            var end = start;
            while (end < html.Length && char.IsAsciiLetterOrDigit(html[end]))
                end++;
            if (end == start || !char.IsAsciiLetter(html[start]))
            {
                i++;
                continue;
            }
            var tagEnd = html.IndexOf('>', end);
            if (tagEnd < 0)
                break;
            if (!UncountedElements.Contains(html.AsSpan(start, end - start)) && html[tagEnd - 1] != '/')
            {
                depth = closing ? Math.Max(0, depth - 1) : depth + 1;
                if ((deepest = Math.Max(deepest, depth)) > stopAt)
                    return deepest;
            }
            i = tagEnd + 1;
        }
        return deepest;
    }

    /// <summary>The plain text of the first paragraph with words in it, cut at a word boundary.</summary>
    public static string FirstParagraphText(string html, int maxLength)
    {
        using var document = Parser.ParseDocument($"<body>{html}</body>");
        return FirstParagraphText(document, maxLength);
    }

    /// <summary>
    /// The same from a parsed document. XML-forbidden characters go before words are counted, as they
    /// would from the cleaned HTML the sanitised document becomes.
    /// </summary>
    private static string FirstParagraphText(IHtmlDocument document, int maxLength)
    {
        var paragraph = document.QuerySelectorAll("p").Select(p => p.TextContent.Trim()).FirstOrDefault(t => t.Length > 0)
            ?? document.Body?.TextContent.Trim() ?? "";
        paragraph = TextCleaner.RemoveForbidden(paragraph, out _);
        paragraph = string.Join(' ', paragraph.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (paragraph.Length <= maxLength)
            return paragraph;
        var cut = paragraph.LastIndexOf(' ', maxLength - 1);
        if (cut <= maxLength / 2)
        {
            cut = maxLength - 1;
            if (char.IsLowSurrogate(paragraph[cut]))
                cut--; // never split an emoji (a surrogate pair) in two
        }
        return paragraph[..cut].TrimEnd(',', ';', ':', ' ', '\u00A0', '\u202F') + "…";
    }
}
