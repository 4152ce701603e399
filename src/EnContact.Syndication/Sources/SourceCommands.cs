using System.CommandLine;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>Operator verbs for the upstream feeds: their status, one poll now, a one-time back-fill of their archive.</summary>
public static class SourceCommands
{
    public static Command Build(VerbRunner run)
    {
        var sources = new Command("sources", "The magazine's CMS feeds read as an article source (Sources:Feeds).");

        var list = new Command("list", "List the configured upstream feeds with their last poll, its outcome, the next poll and the items seen.");
        list.SetAction((_, ct) => run(ListAsync, ct));
        sources.Subcommands.Add(list);

        var pollName = new Argument<string>("name") { Description = "The feed's Name in Sources:Feeds." };
        var poll = new Command("poll", "Poll one upstream feed now (a conditional GET, as the worker does) and print the outcome.");
        poll.Arguments.Add(pollName);
        poll.SetAction((parse, ct) => run((app, token) => PollAsync(app, parse.GetValue(pollName)!, token), ct));
        sources.Subcommands.Add(poll);

        var backfillName = new Argument<string>("name") { Description = "The feed's Name in Sources:Feeds." };
        var again = new Option<bool>("--again") { Description = "Read the archive even though it was back-filled before." };
        var backfill = new Command("backfill", "Read a feed's older items once, following its archive links (RFC 5005) or WordPress's ?paged=N, up to Sources:BackfillMaxPages pages.");
        backfill.Arguments.Add(backfillName);
        backfill.Options.Add(again);
        backfill.SetAction((parse, ct) => run((app, token) => BackfillAsync(app, parse.GetValue(backfillName)!, parse.GetValue(again), token), ct));
        sources.Subcommands.Add(backfill);
        return sources;
    }

    private static async Task<int> ListAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var rows = await SourcesApi.ListAsync(app.Services.GetRequiredService<SourceStore>(), app.Services.GetRequiredService<IOptions<SourcesOptions>>().Value, cancellationToken);
        if (rows.Count == 0)
        {
            Console.WriteLine("No upstream feed is configured (Sources:Feeds).");
            return 0;
        }
        Console.WriteLine($"{"NAME",-24} {"LAST POLL (UTC)",-20} {"NEXT POLL (UTC)",-20} {"FAILS",5} {"ITEMS",6} OUTCOME");
        foreach (var row in rows)
            Console.WriteLine($"{row.Name,-24} {Instant(row.LastPollAt),-20} {Instant(row.NextPollAt),-20} {row.ConsecutiveFailures,5} {row.ItemCount,6} {row.LastOutcome ?? "never polled"}");
        return 0;
    }

    private static async Task<int> PollAsync(WebApplication app, string name, CancellationToken cancellationToken)
    {
        if (Find(app, name) is not { } feed)
            return 1;
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var state = await app.Services.GetRequiredService<SourcePoller>().PollAsync(feed, cancellationToken);
        Console.WriteLine($"{name}: {state.LastOutcome}; next poll at {Instant(state.NextPollAt)} UTC");
        return state.ConsecutiveFailures == 0 ? 0 : 1;
    }

    private static async Task<int> BackfillAsync(WebApplication app, string name, bool again, CancellationToken cancellationToken)
    {
        if (Find(app, name) is not { } feed)
            return 1;
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var report = await app.Services.GetRequiredService<SourceBackfill>().RunAsync(feed, again, cancellationToken);
        if (report.Refused is { } refused)
        {
            Console.Error.WriteLine(refused);
            return 1;
        }
        Console.WriteLine($"{name}: {report.Pages} page(s) read, {report.Items}; stopped because {report.Stop}");
        return 0;
    }

    private static UpstreamFeedOptions? Find(WebApplication app, string name)
    {
        var feeds = app.Services.GetRequiredService<IOptions<SourcesOptions>>().Value.Feeds;
        var feed = feeds.FirstOrDefault(f => f.Name == name);
        if (feed is null)
            Console.Error.WriteLine($"no upstream feed is named '{name}' (Sources:Feeds has: {(feeds.Count == 0 ? "none" : string.Join(", ", feeds.Select(f => f.Name)))})");
        return feed;
    }

    private static string Instant(DateTimeOffset? instant) => instant?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-";
}
