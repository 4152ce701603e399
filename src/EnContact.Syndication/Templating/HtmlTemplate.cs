using RazorLight;

namespace EnContact.Syndication.Templating;

/// <summary>
/// Base class of every HTML template (<c>@inherits EnContact.Syndication.Templating.HtmlTemplate&lt;TModel&gt;</c>).
/// It escapes with the gateway's one encoder, <see cref="HtmlText.Encoder"/>, where RazorLight's default
/// would write "é" as <c>&amp;#xE9;</c>.
/// </summary>
public abstract class HtmlTemplate<TModel> : TemplatePage<TModel>
{
    protected HtmlTemplate() => HtmlEncoder = HtmlText.Encoder;
}
