using System.Threading.RateLimiting;
using EnContact.Syndication.Feeds;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>
/// A member's private feeds: <c>/members/{token}/all.{rss,atom,json}</c> and
/// <c>/members/{token}/sections/{section}.{rss,atom,json}</c>, the full-text documents of the feed
/// snapshot. A token that is unknown, revoked or expired gets 404 (never 401: readers answer a 401 with
/// a password prompt and retry), in French for a browser. Rate-limited per token, not per client address.
/// </summary>
public static class MemberFeedsApi
{
    public const string RateLimit = "member-feed";
    public const string PathPrefix = "/members/";

    public static IEndpointRouteBuilder MapMemberFeeds(this IEndpointRouteBuilder app)
    {
        app.MapMethods(PathPrefix + "{token}/{**path}", [HttpMethods.Get, HttpMethods.Head], ServeAsync)
            .RequireRateLimiting(RateLimit).ExcludeFromDescription();
        return app;
    }

    /// <summary>The private address of a member's feed at <paramref name="path"/> (e.g. <c>all.atom</c>, <c>sections/etudes.rss</c>).</summary>
    public static string Url(Uri publicUrl, string token, string path) => new Uri(publicUrl, $"members/{token}/{path}").AbsoluteUri;

    public static void AddMemberFeedRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter => limiter.AddPolicy(RateLimit, http =>
        {
            var perMinute = http.RequestServices.GetRequiredService<IOptions<MembersOptions>>().Value.RequestsPerMinutePerToken;
            // Partitioned by the token's hash: one shared URL hammered by many readers is held back, other members are not.
            var token = http.Request.RouteValues["token"] as string ?? "";
            return RateLimitPartition.GetFixedWindowLimiter(MemberFeedTokens.HashOf(token),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));

    private static async Task ServeAsync(HttpContext context, string token, string path, MemberFeedAccess access, FeedCache cache,
        IOptions<FeedsOptions> options, FeedMetrics metrics, CancellationToken cancellationToken)
    {
        context.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        context.Response.Headers.CacheControl = "private, no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        if (await access.FindActiveAsync(token, context.Connection.RemoteIpAddress, cancellationToken) is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var snapshot = cache.Current;
        await FeedsApi.ServeAsync(context, snapshot, snapshot.FullText.GetValueOrDefault(path), options.Value, metrics, isPrivate: true);
    }
}
