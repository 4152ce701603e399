using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>One upstream feed as the admin API shows it: its settings and what its polls left.</summary>
public sealed record SourceResponse(
    string Name, string Url, string? Section, string Access, TimeSpan PollInterval,
    DateTimeOffset? LastPollAt, string? LastOutcome, DateTimeOffset? NextPollAt, int ConsecutiveFailures, int ItemCount, DateTimeOffset? BackfilledAt);

/// <summary>The admin API of the upstream sources, mapped inside the admin group (behind the token).</summary>
public static class SourcesApi
{
    public static RouteGroupBuilder MapSourcesApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/sources", ListSources);
        return admin;
    }

    private static async Task<Ok<IReadOnlyList<SourceResponse>>> ListSources(SourceStore store, IOptions<SourcesOptions> options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ListAsync(store, options.Value, cancellationToken));

    public static async Task<IReadOnlyList<SourceResponse>> ListAsync(SourceStore store, SourcesOptions options, CancellationToken cancellationToken)
    {
        var states = (await store.ListAsync(cancellationToken)).ToDictionary(s => s.Name, StringComparer.Ordinal);
        return [.. options.Feeds.Select(feed =>
        {
            var state = states.GetValueOrDefault(feed.Name!);
            return new SourceResponse(feed.Name!, feed.Url!, feed.Section, feed.Access, feed.PollInterval,
                state?.LastPollAt, state?.LastOutcome, state?.NextPollAt, state?.ConsecutiveFailures ?? 0, state?.ItemCount ?? 0, state?.BackfilledAt);
        })];
    }
}
