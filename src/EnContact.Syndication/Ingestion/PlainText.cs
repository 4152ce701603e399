using System.Net;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Plain-text fields (title, summary, authors, tags, section, issue) carry no markup at all, not even
/// markup spelt as entities: a feed reader that renders an RSS title as HTML must find nothing to run.
/// "Markup" is what an HTML parser would take for it: '&lt;' followed by an ASCII letter, '/', '!' or
/// '?'. Everything else ("a &lt; b", "&lt;à voir&gt;", "R&amp;D") is text and stays. Matching is
/// linear in the input (no backtracking), so a 4 MB title of "&lt;!--" costs milliseconds.
/// </summary>
public static partial class PlainText
{
    /// <summary>The text with its markup removed and its entities (&amp;eacute;, &amp;nbsp;) turned into characters; <paramref name="hadMarkup"/> says whether anything went.</summary>
    public static string FromHtmlish(string value, out bool hadMarkup)
    {
        var withoutTags = WithoutMarkup(value);
        // Decoding can make markup out of entities (&lt;script&gt;): take it out again, after decoding.
        var decoded = WebUtility.HtmlDecode(withoutTags);
        var clean = WithoutMarkup(decoded);
        hadMarkup = withoutTags.Length != value.Length || clean.Length != decoded.Length;
        return clean;
    }

    /// <summary>Tags, comments and declarations removed; a '&lt;' left opening a tag that never closes is removed too.</summary>
    public static string WithoutMarkup(string text)
    {
        if (!text.Contains('<'))
            return text;
        var stripped = Markup().Replace(text, "");
        if (!stripped.Contains('<'))
            return stripped;
        var builder = new System.Text.StringBuilder(stripped.Length);
        for (var i = 0; i < stripped.Length; i++)
        {
            if (stripped[i] == '<' && i + 1 < stripped.Length && OpensTag(stripped[i + 1]))
                continue;
            builder.Append(stripped[i]);
        }
        return builder.ToString();
    }

    private static bool OpensTag(char next) => char.IsAsciiLetter(next) || next is '/' or '!' or '?';

    [GeneratedRegex(@"<!--.*?-->|<[A-Za-z/!?][^<>]*>", RegexOptions.Singleline | RegexOptions.NonBacktracking)]
    private static partial Regex Markup();
}
