using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Serves the pre-rendered feeds. A poll costs a dictionary lookup: conditional requests get 304
/// with no body, bodies come pre-compressed. Feeds are not rate-limited (readers give up on feeds
/// that answer 429, and a 304 costs nothing); before the first build they answer 503 + Retry-After.
/// </summary>
public static class FeedsApi
{
    public static IEndpointRouteBuilder MapFeeds(this IEndpointRouteBuilder app)
    {
        // Short-circuit: a poll skips the middleware after routing (error pages, rate limiter); ServeAsync cannot throw.
        app.MapMethods("/feeds/{**path}", [HttpMethods.Get, HttpMethods.Head], Serve(app.ServiceProvider, static (snapshot, request) =>
            request.RouteValues["path"] is string path && snapshot.Documents.TryGetValue(path, out var document) ? document : null))
            .ExcludeFromDescription().ShortCircuit();
        app.MapGet("/feeds", FeedPages.IndexAsync).RequireRateLimiting(BaseSetup.PublicRateLimit);
        app.MapGet("/", FeedPages.HomeAsync).RequireRateLimiting(BaseSetup.PublicRateLimit);
        return app;
    }

    /// <summary>
    /// The handler of a feed's address: <paramref name="find"/> picks the document in the current snapshot.
    /// Its services are singletons taken once here, so a poll resolves nothing and creates no request scope.
    /// </summary>
    public static RequestDelegate Serve(IServiceProvider services, Func<FeedCache.Snapshot, HttpRequest, FeedDocument?> find)
    {
        var cache = services.GetRequiredService<FeedCache>();
        var options = services.GetRequiredService<IOptions<FeedsOptions>>().Value;
        var metrics = services.GetRequiredService<FeedMetrics>();
        return context =>
        {
            var snapshot = cache.Current;
            return ServeAsync(context, snapshot, find(snapshot, context.Request), options, metrics);
        };
    }

    /// <summary>
    /// Answers with <paramref name="document"/> of <paramref name="snapshot"/> (null: 404): conditional
    /// GET, pre-compressed body, caching and CORS headers. Also serves the letter feed at its own path.
    /// A <paramref name="isPrivate"/> document (a member's full-text feed, at an address carrying a token)
    /// may be kept by the reader's own cache only, is not offered to other origins, names no hub and asks
    /// search engines not to index it.
    /// </summary>
    public static async Task ServeAsync(HttpContext context, FeedCache.Snapshot snapshot, FeedDocument? document, FeedsOptions options, FeedMetrics metrics, bool isPrivate = false)
    {
        var response = context.Response;
        if (!snapshot.IsBuilt)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "10";
            metrics.Served(StatusCodes.Status503ServiceUnavailable, null, null, 0);
            return;
        }
        if (document is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            metrics.Served(StatusCodes.Status404NotFound, null, null, 0);
            return;
        }

        var encoding = ChooseEncoding(context.Request.Headers.AcceptEncoding.ToString(), document.BrotliIsSmaller);
        var headers = response.Headers;
        headers.ETag = document.ETag(encoding);
        headers.LastModified = document.LastModifiedHttp;
        headers.Vary = "Accept-Encoding";
        headers.XContentTypeOptions = "nosniff";
        if (isPrivate)
        {
            headers.CacheControl = PrivateCacheControl(options);
            headers["X-Robots-Tag"] = "noindex, nofollow";
        }
        else
        {
            headers.CacheControl = document.IsArchive ? ArchiveCacheControl : CacheControl(options);
            // Public documents: web-based readers fetch them from their own origin.
            headers.AccessControlAllowOrigin = "*";
            // Only documents the hub is told about send subscribers to it: archive pages never change.
            if (options.HubUrl is { } hub && !document.IsArchive)
                headers.Link = $"<{hub}>; rel=\"hub\", <{document.Url}>; rel=\"self\"";
        }

        if (IsNotModified(context.Request, document))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            metrics.Served(StatusCodes.Status304NotModified, document, encoding, 0, isPrivate);
            return;
        }

        var body = encoding switch { "br" => document.Brotli, "gzip" => document.Gzip, _ => document.Identity };
        response.ContentType = document.ContentType;
        if (encoding is not null)
            headers.ContentEncoding = encoding;
        response.ContentLength = body.Length;
        var head = HttpMethods.IsHead(context.Request.Method);
        metrics.Served(StatusCodes.Status200OK, document, encoding, head ? 0 : body.Length, isPrivate);
        // No RequestAborted: Kestrel completes writes to a connection that went away, and the token
        // would be taken from its pool and returned on every poll for nothing.
        if (!head)
            await response.BodyWriter.WriteAsync(body);
    }

    /// <summary>A complete month's archive page never changes (RFC 5005): caches keep it a year without asking again.</summary>
    public static readonly string ArchiveCacheControl = $"public, max-age={(int)FeedDocument.ArchiveMaxAge.TotalSeconds}, immutable";

    private static string? _cacheControl;
    private static TimeSpan _cacheControlFor;

    private static string CacheControl(FeedsOptions options)
    {
        if (_cacheControl is null || _cacheControlFor != options.CacheMaxAge)
        {
            _cacheControl = $"public, max-age={(int)options.CacheMaxAge.TotalSeconds}";
            _cacheControlFor = options.CacheMaxAge;
        }
        return _cacheControl;
    }

    private static string PrivateCacheControl(FeedsOptions options) => $"private, max-age={(int)options.CacheMaxAge.TotalSeconds}";

    /// <summary>RFC 9110: If-None-Match (weak comparison, any of the document's representations) wins over If-Modified-Since.</summary>
    public static bool IsNotModified(HttpRequest request, FeedDocument document)
    {
        var ifNoneMatch = request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            // Fast path: a reader sends back exactly the ETag it was given.
            var raw = ifNoneMatch.ToString();
            if (raw == document.ETagIdentity || raw == document.ETagGzip || raw == document.ETagBrotli)
                return true;
            if (!EntityTagHeaderValue.TryParseList(ifNoneMatch.OfType<string>().ToList(), out var tags))
                return false;
            return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)
                || tag.Tag.Equals(document.ETagIdentity, StringComparison.Ordinal)
                || tag.Tag.Equals(document.ETagGzip, StringComparison.Ordinal)
                || tag.Tag.Equals(document.ETagBrotli, StringComparison.Ordinal));
        }
        var since = request.Headers.IfModifiedSince.ToString();
        return since.Length > 0
            && DateTimeOffset.TryParseExact(since, "R", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var when)
            && when >= document.LastModified;
    }

    /// <summary>
    /// Brotli or gzip by the client's q-values (RFC 9110 §12.5.3); when it accepts both equally (the usual
    /// "gzip, deflate, br"), the smaller for this document (<paramref name="brotliIsSmaller"/>); null for identity.
    /// </summary>
    public static string? ChooseEncoding(string acceptEncoding, bool brotliIsSmaller = true)
    {
        double br = 0, gzip = 0, any = -1;
        bool sawBr = false, sawGzip = false;
        foreach (var part in acceptEncoding.AsSpan().Split(','))
        {
            var item = acceptEncoding.AsSpan()[part].Trim();
            var semicolon = item.IndexOf(';');
            var coding = (semicolon < 0 ? item : item[..semicolon]).Trim();
            var quality = 1.0;
            if (semicolon >= 0)
            {
                var parameter = item[(semicolon + 1)..].Trim();
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && !double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quality))
                    quality = 0;
            }
            if (coding.Equals("br", StringComparison.OrdinalIgnoreCase)) { br = quality; sawBr = true; }
            else if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase)) { gzip = quality; sawGzip = true; }
            else if (coding.SequenceEqual("*")) any = quality;
        }
        if (!sawBr && any >= 0) br = any;
        if (!sawGzip && any >= 0) gzip = any;
        if (br > 0 && (br > gzip || (br == gzip && brotliIsSmaller)))
            return "br";
        return gzip > 0 ? "gzip" : null;
    }
}
