
namespace EnContact.Syndication.Templating;

/// <summary>Renders a public page from <c>templates/pages/</c> with the site's chrome and the headers every public page carries.</summary>
/// <remarks>The chrome (title, language, autodiscovery links) is handed over by the composition root, which knows the feeds.</remarks>
public sealed class PageRenderer(TemplateRenderer templates, PageChrome chrome)
{
    public PageChrome Chrome => chrome;

    /// <summary>
    /// Renders <c>pages/{page}.cshtml</c>. Pages reached through personal links are never cached,
    /// never sent on as a Referer and never indexed; public ones (<paramref name="publicFor"/>) may be cached that long.
    /// A page whose model is <see cref="PageModel.Indexable"/> may be indexed even when it is not cached (a form).
    /// </summary>
    public async Task<IResult> RenderAsync<TModel>(HttpContext http, string page, TModel model, int status = StatusCodes.Status200OK, TimeSpan? publicFor = null)
    {
        var html = await templates.RenderAsync($"pages/{page}.cshtml", model);
        return Html(http, html, status, publicFor, indexable: model is PageModel { Indexable: true });
    }

    /// <summary>Renders <c>pages/{page}.cshtml</c> to a string, for answers written outside an endpoint (error pages).</summary>
    public Task<string> RenderToStringAsync<TModel>(string page, TModel model) => templates.RenderAsync($"pages/{page}.cshtml", model);

    /// <summary>An HTML answer with the security headers of public pages.</summary>
    public static IResult Html(HttpContext http, string html, int status = StatusCodes.Status200OK, TimeSpan? publicFor = null, bool indexable = false)
    {
        SetHeaders(http, publicFor, indexable || publicFor is not null);
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>The caching, indexing and security headers of a public page.</summary>
    public static void SetHeaders(HttpContext http, TimeSpan? publicFor, bool indexable)
    {
        var headers = http.Response.Headers;
        if (publicFor is { } age)
            headers.CacheControl = $"public, max-age={(int)age.TotalSeconds}";
        else
            headers.CacheControl = "no-store";
        if (!indexable)
            headers["X-Robots-Tag"] = "noindex";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }
}
