using System.Text.Json;
using EnContact.Syndication.Articles;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EnContact.Syndication.Composition;

/// <summary>
/// <c>GET /healthz</c>: public, rate-limited, says nothing private. Each feature registers its own
/// checks (<c>AddHealthChecks().AddCheck…</c>); this answers 200 while all are healthy or degraded,
/// 503 when one is unhealthy, with each check's status and reason.
/// </summary>
public static class HealthApi
{
    public sealed record Health(string Status, long ArticlesVersion, IReadOnlyDictionary<string, Check> Checks);

    public sealed record Check(string Status, string? Description);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointConventionBuilder MapHealth(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteAsync })
            .RequireRateLimiting(BaseSetup.PublicRateLimit);

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var health = new Health(
            report.Status switch { HealthStatus.Healthy => "ok", HealthStatus.Degraded => "degraded", _ => "unhealthy" },
            context.RequestServices.GetRequiredService<ArticleStore>().Changes.Version,
            report.Entries.ToDictionary(e => e.Key, e => new Check(EnumText.Of(e.Value.Status), e.Value.Description)));
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(health, Json));
    }
}
