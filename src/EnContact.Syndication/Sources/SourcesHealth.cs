using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>
/// The CMS feeds for <c>/healthz</c>, from what the polls left in the store (so every gateway process
/// answers alike, whichever one polls). A feed that keeps failing makes the check degraded, never
/// unhealthy: the gateway still serves and sends what it has, and a load balancer must not take it out.
/// </summary>
public sealed class SourcesHealth(SourceStore store, IOptions<SourcesOptions> options) : IHealthCheck
{
    /// <summary>Failed polls in a row that make a feed worth an operator's look (a passing 500 or timeout is not).</summary>
    public const int FailuresToReport = 3;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var feeds = options.Value.Feeds;
        if (feeds.Count == 0)
            return HealthCheckResult.Healthy("no CMS feed is polled (Sources:Feeds is empty)");
        var states = await SourcesApi.ListAsync(store, options.Value, cancellationToken);
        var failing = states.Where(s => s.ConsecutiveFailures >= FailuresToReport).ToList();
        return failing.Count == 0
            ? HealthCheckResult.Healthy($"{feeds.Count} CMS feed(s) polled, none failing repeatedly")
            : HealthCheckResult.Degraded(string.Join("; ", failing.Select(s =>
                $"feed {s.Name} failed its last {s.ConsecutiveFailures} polls ({s.LastOutcome}); next poll {s.NextPollAt:u}")));
    }
}
