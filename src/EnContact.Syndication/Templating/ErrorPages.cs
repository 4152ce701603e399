using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Net.Http.Headers;

namespace EnContact.Syndication.Templating;

/// <summary>pages/Error.cshtml: an error a reader's browser gets, in French (the texts are in the template).</summary>
public sealed record ErrorPageModel : PageModel
{
    public required int Status { get; init; }
    /// <summary>From the answer's Retry-After (a 429 or a 503): when to try again.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// Errors without a body of their own (an unknown address, a rate limit, a crash) are answered as a
/// French HTML page to browsers (<c>Accept: text/html</c>) and as problem details (RFC 9457) to
/// everyone else. The admin API, the feeds and the health check always keep problem details or plain
/// status codes: their clients are programs.
/// </summary>
public static class ErrorPages
{
    private static readonly string[] ProgramPaths = ["/api", "/feeds/", "/healthz", "/digests/feed.atom"];

    public static WebApplication UseErrorPages(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = WriteAsync });
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext));
        return app;
    }

    private static async Task WriteAsync(HttpContext http)
    {
        var status = http.Response.StatusCode;
        if (!WantsPage(http.Request))
        {
            var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, Exception = error, ProblemDetails = { Status = status } }))
                await http.Response.WriteAsync($"Status Code: {status}", http.RequestAborted);
            return;
        }
        var pages = http.RequestServices.GetRequiredService<PageRenderer>();
        var html = await pages.RenderToStringAsync("Error", new ErrorPageModel
        {
            Chrome = pages.Chrome, Status = status, RetryAfter = RetryAfter(http.Response), Title = status switch
            {
                StatusCodes.Status404NotFound => "Page introuvable",
                StatusCodes.Status410Gone => "Page retirée",
                StatusCodes.Status429TooManyRequests => "Trop de demandes",
                >= 500 => "Erreur du serveur",
                _ => "Demande impossible",
            },
        });
        PageRenderer.SetHeaders(http, publicFor: null, indexable: false);
        http.Response.ContentType = "text/html; charset=utf-8";
        if (!HttpMethods.IsHead(http.Request.Method))
            await http.Response.WriteAsync(html, http.RequestAborted);
    }

    /// <summary>A browser asking for a page, outside the addresses programs use.</summary>
    public static bool WantsPage(HttpRequest request)
    {
        var path = request.Path.Value ?? "/";
        if (ProgramPaths.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            return false;
        return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
    }

    private static TimeSpan? RetryAfter(HttpResponse response) =>
        int.TryParse(response.Headers.RetryAfter, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}
