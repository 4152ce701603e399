namespace EnContact.Syndication.Hosting;

/// <summary>Plain text made safe inside HTML text or a quoted attribute, with accents left as UTF-8 (not &amp;#233;).</summary>
public static class HtmlText
{
    public static string Encode(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
            return text;
        return text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
    }
}
