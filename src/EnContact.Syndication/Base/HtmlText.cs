using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace EnContact.Syndication.Base;

/// <summary>
/// The gateway's one HTML encoder, used by templates, feed content and mail parts alike. It escapes
/// what markup needs (<c>&lt; &gt; &amp; " '</c>) and keeps letters of every script as UTF-8:
/// the framework's defaults write "é" as <c>&amp;#233;</c> or <c>&amp;#xE9;</c>, which bloats French
/// text and makes a feed's or a mail's source unreadable.
/// </summary>
public static class HtmlText
{
    public static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>Plain text made safe inside HTML text or a quoted attribute.</summary>
    public static string Encode(string text) => Encoder.Encode(text);
}
