
namespace EnContact.Syndication.Templating;

/// <summary>Renders a public page from <c>templates/pages/</c> with the site's chrome and the headers every public page carries.</summary>
/// <remarks>The chrome (title, language, autodiscovery links) is handed over by the composition root, which knows the feeds.</remarks>
public sealed class PageRenderer(TemplateRenderer templates, PageChrome chrome)
{
    public PageChrome Chrome => chrome;

    /// <summary>
    /// Renders <c>pages/{page}.cshtml</c>. Pages reached through personal links are never cached,
    /// never sent on as a Referer and never indexed; public ones (<paramref name="publicFor"/>) may be cached that long.
    /// </summary>
    public async Task<IResult> RenderAsync<TModel>(HttpContext http, string page, TModel model, int status = StatusCodes.Status200OK, TimeSpan? publicFor = null)
    {
        var html = await templates.RenderAsync($"pages/{page}.cshtml", model);
        return Html(http, html, status, publicFor);
    }

    /// <summary>An HTML answer with the security headers of public pages.</summary>
    public static IResult Html(HttpContext http, string html, int status = StatusCodes.Status200OK, TimeSpan? publicFor = null)
    {
        var headers = http.Response.Headers;
        if (publicFor is { } age)
            headers.CacheControl = $"public, max-age={(int)age.TotalSeconds}";
        else
        {
            headers.CacheControl = "no-store";
            headers["X-Robots-Tag"] = "noindex";
        }
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
