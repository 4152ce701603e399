using Microsoft.Extensions.Options;
using static EnContact.Syndication.Subscribers.SubscribersApi;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// A CSV import from its text to its report: parse, check every row, import (or, as a dry run, only
/// check), and count. Shared by the admin API and the desk, so both report the same rows the same way.
/// </summary>
public sealed class SubscriberImports(SubscriberStore store, MagazineTime magazineTime, IOptions<SubscribersOptions> options, TimeProvider time, ILogger<SubscriberImports> logger)
{
    /// <summary>The report, or why the file cannot be read at all (no header, no email column…).</summary>
    public async Task<(ImportReport? Report, string? Problem)> RunAsync(string csv, string? source, bool dryRun, CancellationToken cancellationToken)
    {
        var parsed = SubscriberCsv.Parse(new StringReader(csv), options.Value.EffectiveSections, source, magazineTime, time.GetUtcNow());
        if (parsed.Problem is not null)
            return (null, parsed.Problem);
        var progress = new Progress<int>(done => logger.LogInformation("Subscriber import: {Done}/{Total} rows checked", done, parsed.Rows.Count));
        var outcomes = await store.ImportAsync(parsed.Rows, dryRun, progress, cancellationToken);
        var all = outcomes.Concat(parsed.Rejected).OrderBy(o => o.Line).ToList();
        var report = new ImportReport(dryRun, all.Count,
            all.Count(o => o.Result == ImportResult.Created), all.Count(o => o.Result == ImportResult.Activated),
            all.Count(o => o.Result == ImportResult.Unchanged), all.Count(o => o.Result == ImportResult.Rejected),
            all.Where(o => o.Result is ImportResult.Rejected or ImportResult.Unchanged)
                .Select(o => new ImportOutcomeView(o.Line, o.Address, o.Result.ToString().ToLowerInvariant(), o.Reason)).ToList());
        logger.LogInformation("Subscriber import{DryRun}: {Created} created, {Activated} activated, {Unchanged} unchanged, {Rejected} rejected",
            report.DryRun ? " (dry run)" : "", report.Created, report.Activated, report.Unchanged, report.Rejected);
        return (report, null);
    }
}
