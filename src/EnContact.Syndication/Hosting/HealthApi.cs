using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Hosting;

public static class HealthApi
{
    public sealed record Health(string Status, long ArticlesVersion);

    /// <summary><c>GET /healthz</c>: public, rate-limited, says nothing private.</summary>
    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder app) =>
        app.MapGet("/healthz", (ArticleStore store) => TypedResults.Ok(new Health("ok", store.Changes.Version)))
            .RequireRateLimiting(HostingSetup.PublicRateLimit);
}
