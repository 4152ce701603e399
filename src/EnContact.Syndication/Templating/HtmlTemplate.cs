using System.Text.Encodings.Web;
using System.Text.Unicode;
using RazorLight;

namespace EnContact.Syndication.Templating;

/// <summary>
/// Base class of every HTML template (<c>@inherits EnContact.Syndication.Templating.HtmlTemplate&lt;TModel&gt;</c>).
/// It escapes what HTML needs (<c>&lt; &gt; &amp; " '</c>) and nothing else: RazorLight's default encoder
/// writes "é" as <c>&amp;#xE9;</c>, which bloats French text and is unreadable in a mail's source.
/// </summary>
public abstract class HtmlTemplate<TModel> : TemplatePage<TModel>
{
    /// <summary>The encoder for UTF-8 documents: markup characters escaped, letters of every script kept.</summary>
    public static readonly HtmlEncoder Utf8Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    protected HtmlTemplate() => HtmlEncoder = Utf8Encoder;
}
