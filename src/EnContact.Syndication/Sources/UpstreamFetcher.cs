using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>What one fetch of an upstream feed gave.</summary>
public abstract record FetchResult
{
    /// <summary>How long the source asked not to be polled again (Cache-Control: max-age), if it said.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>200: the document, and the validators to send next time.</summary>
    public sealed record Fetched(byte[] Body, string? MediaType, string? ETag, string? LastModified) : FetchResult;

    /// <summary>304: nothing changed since the validators we sent.</summary>
    public sealed record NotModified : FetchResult;

    /// <summary>Anything else; <see cref="RetryAfter"/> when a 429 or 503 said when to come back; <see cref="NotFound"/> for 404 and 410.</summary>
    public sealed record Failed(string Reason, TimeSpan? RetryAfter = null, bool NotFound = false) : FetchResult;
}

/// <summary>
/// One conditional GET of an upstream feed on the <c>sources</c> HTTP client (Polly retries under
/// IHttpClientFactory). The whole fetch, retries and body included, has <see cref="SourcesOptions.RequestTimeout"/>
/// on the gateway's clock; the body is read as it streams and abandoned past <see cref="SourcesOptions.MaxBytes"/>.
/// </summary>
public sealed class UpstreamFetcher(IHttpClientFactory clients, IOptions<SourcesOptions> options, TimeProvider time)
{
    public const string HttpClientName = "sources";
    private const string Accept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.8, application/json;q=0.8, */*;q=0.1";

    public async Task<FetchResult> FetchAsync(Uri url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var limit = new CancellationTokenSource(settings.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            if (etag is not null)
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            if (lastModified is not null)
                request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var maxAge = response.Headers.CacheControl?.MaxAge ?? response.Content.Headers.Expires - time.GetUtcNow();
            maxAge = maxAge > TimeSpan.Zero ? maxAge : null;
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotModified:
                    return new FetchResult.NotModified { MaxAge = maxAge };
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable:
                    return new FetchResult.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", RetryAfterOf(response.Headers.RetryAfter));
                case HttpStatusCode.NotFound or HttpStatusCode.Gone:
                    return new FetchResult.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", NotFound: true);
                default:
                    return new FetchResult.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            if (response.Content.Headers.ContentLength > settings.MaxBytes)
                return TooBig(settings, $"it announces {response.Content.Headers.ContentLength} bytes");
            var body = await ReadCappedAsync(response.Content, settings.MaxBytes, linked.Token);
            if (body is null)
                return TooBig(settings, "it kept coming");
            return new FetchResult.Fetched(body, response.Content.Headers.ContentType?.MediaType,
                response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R")) { MaxAge = maxAge };
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new FetchResult.Failed($"no complete answer within Sources:RequestTimeout ({settings.RequestTimeout})");
        }
        catch (HttpRequestException e)
        {
            return new FetchResult.Failed($"the request failed: {e.Message}");
        }
    }

    /// <summary>The body, or null once it passes <paramref name="maxBytes"/> (the rest is never read; disposing the response drops the connection).</summary>
    private static async Task<byte[]?> ReadCappedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private TimeSpan? RetryAfterOf(RetryConditionHeaderValue? retryAfter) =>
        retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - time.GetUtcNow() : null);

    private static FetchResult.Failed TooBig(SourcesOptions settings, string why) =>
        new($"the document is larger than Sources:MaxBytes ({settings.MaxBytes} bytes; {why}): abandoned unread");
}
