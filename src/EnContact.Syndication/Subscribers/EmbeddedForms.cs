using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>Where a POST to <c>/subscribe</c> comes from, as its Origin (or, failing that, its Referer) says.</summary>
public enum FormOrigin
{
    /// <summary>No usable origin (none sent, or "null" as our own no-referrer pages make browsers send): the anti-forgery field decides.</summary>
    Unknown,
    /// <summary>Our own pages: the anti-forgery field decides.</summary>
    Own,
    /// <summary>A site of <see cref="SubscribersOptions.EmbedOrigins"/>: its sign-up form is accepted without our cookie.</summary>
    Listed,
    /// <summary>Any other site: refused.</summary>
    Foreign,
}

/// <summary>
/// The sign-up form the magazine embeds on its own pages posts here from another origin, where our
/// anti-forgery cookie cannot follow (SameSite). Such a post is accepted only from the origins listed
/// in <see cref="SubscribersOptions.EmbedOrigins"/>; the honeypot, the rate limits and the double opt-in
/// do the rest. The JSON form of the endpoint gets CORS headers for those origins only.
/// </summary>
public sealed class EmbeddedForms(IOptions<SubscribersOptions> options)
{
    private readonly HashSet<string> _listed = options.Value.EmbedOrigins.Select(Normalize).OfType<string>().ToHashSet(StringComparer.Ordinal);
    private readonly string? _public = options.Value.PublicUrl is { } url ? Normalize(url) : null;

    public FormOrigin Classify(HttpRequest request)
    {
        var origin = OriginOf(request);
        if (origin is null)
            return FormOrigin.Unknown;
        if (origin == _public || origin == Normalize($"{request.Scheme}://{request.Host}"))
            return FormOrigin.Own;
        return _listed.Contains(origin) ? FormOrigin.Listed : FormOrigin.Foreign;
    }

    /// <summary>The request's origin, normalised (lower case, no default port); null when it sent none or "null".</summary>
    public static string? OriginOf(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
            return origin == "null" ? null : Normalize(origin);
        var referer = request.Headers.Referer.ToString();
        return referer.Length > 0 ? Normalize(referer) : null;
    }

    /// <summary>"HTTPS://WWW.Example.fr:443/page" → "https://www.example.fr"; null when it is not an http(s) URL.</summary>
    public static string? Normalize(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    /// <summary>
    /// The CORS answer to a listed origin (the browser then lets that page read the JSON answer);
    /// nothing for others, so their browsers block the call.
    /// </summary>
    public bool AllowCors(HttpContext http)
    {
        http.Response.Headers.Vary = "Origin";
        if (Classify(http.Request) != FormOrigin.Listed)
            return false;
        http.Response.Headers.AccessControlAllowOrigin = OriginOf(http.Request);
        return true;
    }

    /// <summary>
    /// A preflight for the JSON sign-up: a listed origin may POST with a Content-Type header, for ten
    /// minutes before asking again; any other gets no CORS header.
    /// </summary>
    public IResult Preflight(HttpContext http)
    {
        var request = http.Request;
        var method = request.Headers.AccessControlRequestMethod.ToString();
        var asked = request.Headers.AccessControlRequestHeaders.ToString()
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (method == HttpMethods.Post && asked.All(h => h.Equals("content-type", StringComparison.OrdinalIgnoreCase)) && AllowCors(http))
        {
            http.Response.Headers.AccessControlAllowMethods = "POST";
            http.Response.Headers.AccessControlAllowHeaders = "Content-Type";
            http.Response.Headers.AccessControlMaxAge = "600";
        }
        else
            http.Response.Headers.Vary = "Origin";
        return TypedResults.NoContent();
    }
}
