using EnContact.Syndication.Articles;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// Builds the edition of a period: the articles published since the last edition's cut-off (the
/// first one: <see cref="DigestOptions.FirstEditionLookback"/>), minus any article an earlier edition
/// carried, grouped by section in the configured order, frozen as a snapshot. Building a period that
/// already has an edition does nothing, whoever asks and however often.
/// </summary>
public sealed class DigestBuilder(
    DigestStore store, ArticleStore articles, DigestSchedule schedule, DigestLedger ledger, IOptions<DigestOptions> options,
    IOptions<SubscribersOptions> subscribers, MagazineTime magazineTime, TimeProvider time, ILogger<DigestBuilder> logger)
{
    /// <summary>Builds (or finds) the edition that fires at <paramref name="fireAt"/>.</summary>
    public async Task<EditionSummary> BuildAsync(DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var key = schedule.KeyOf(fireAt);
        if (await store.GetAsync(key, cancellationToken) is { } existing)
            return existing.Edition;
        if (ledger.Contains(key))
        {
            logger.LogWarning("Edition {Key} is in the ledger {Ledger} but not in the database (restored from an older backup?): it is not built again", key, ledger.Path);
            return await RecordAsync(key, fireAt, EditionStatus.Skipped, $"already built before (ledger {ledger.Path}); the database was restored from an older state", cancellationToken);
        }

        var settings = options.Value;
        var (since, sections) = await PeriodAsync(fireAt, cancellationToken);
        var count = sections.Sum(s => s.Items.Count);
        var (edition, created) = await store.CreateAsync(key, fireAt, since,
            number => count < settings.MinimumItems ? null : Snapshot(key, number, fireAt, since, sections),
            settings.RequireApproval ? EditionStatus.AwaitingApproval : EditionStatus.Ready, EditionStatus.Empty,
            $"{count} new article(s) since {since:u}; Digest:MinimumItems is {settings.MinimumItems}", cancellationToken);
        if (created)
        {
            ledger.Record(key);
            if (edition.Number is null)
                logger.LogInformation("Edition {Key}: {Count} new article(s), fewer than {Minimum}: nothing is sent this time", key, count, settings.MinimumItems);
            else
                logger.LogInformation("Edition {Key} (n° {Number}) built: {Count} article(s) in {Sections} section(s){Approval}", key, edition.Number, count, sections.Count,
                    edition.Status == EditionStatus.AwaitingApproval ? ", waiting for approval" : "");
        }
        return edition;
    }

    /// <summary>Records a period without building it (the gateway came back too late, or the ledger says it was built); its articles wait for the next edition.</summary>
    public async Task<EditionSummary> RecordAsync(string key, DateTimeOffset fireAt, EditionStatus status, string reason, CancellationToken cancellationToken)
    {
        var since = await SinceAsync(fireAt, cancellationToken);
        var (edition, created) = await store.CreateAsync(key, fireAt, since, _ => null, status, status, reason, cancellationToken);
        if (created)
            ledger.Record(key);
        return edition;
    }

    /// <summary>
    /// What the next edition would hold if it were built now (preview), numbered after the last one;
    /// with <paramref name="since"/>, as if its period started then (articles no edition carried).
    /// </summary>
    public async Task<DigestSnapshot> PreviewAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (start, sections) = since is { } from ? (from, await SectionsAsync(from, now, null, cancellationToken)) : await PeriodAsync(now, cancellationToken);
        return Snapshot("preview", await store.NextNumberAsync(cancellationToken), schedule.Next(now) ?? now, start, sections);
    }

    /// <summary>Where the period ending at <paramref name="until"/> starts: the last cut-off, or the first edition's look-back.</summary>
    private async Task<DateTimeOffset> SinceAsync(DateTimeOffset until, CancellationToken cancellationToken) =>
        await store.PeriodStartAsync(cancellationToken) ?? until - options.Value.FirstEditionLookback;

    /// <summary>The period's articles that no earlier edition carried, grouped by section.</summary>
    private async Task<(DateTimeOffset Since, List<DigestSection> Sections)> PeriodAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var since = await SinceAsync(until, cancellationToken);
        return (since, await SectionsAsync(since, until, null, cancellationToken));
    }

    /// <summary>The articles published in [<paramref name="since"/>, <paramref name="until"/>) as they are now, minus those another edition than <paramref name="edition"/> carried.</summary>
    public async Task<List<DigestSection>> SectionsAsync(DateTimeOffset since, DateTimeOffset until, string? edition, CancellationToken cancellationToken)
    {
        var candidates = await articles.PublishedBetweenAsync(since, until, cancellationToken);
        var sent = await store.AlreadySentAsync(candidates.Select(a => a.Id).ToList(), cancellationToken, exceptEdition: edition);
        return Group(candidates.Where(a => !sent.Contains(a.Id)).ToList());
    }

    public DigestSnapshot Snapshot(string key, int number, DateTimeOffset fireAt, DateTimeOffset since, List<DigestSection> sections)
    {
        var dateText = DigestRenderer.LongDate(fireAt, schedule.Zone);
        return new DigestSnapshot(key, number, fireAt, since,
            options.Value.Subject.Replace("{number}", number.ToString()).Replace("{date}", dateText), dateText, sections);
    }

    /// <summary>Sections in the configured order, then other sections alphabetically, then articles without one; newest first inside a section.</summary>
    private List<DigestSection> Group(IReadOnlyList<Article> fresh)
    {
        var order = subscribers.Value.EffectiveSections.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index);
        var zone = magazineTime.Zone;
        return fresh
            .GroupBy(a => a.Section)
            .OrderBy(g => g.Key is null ? int.MaxValue : order.GetValueOrDefault(g.Key, order.Count))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DigestSection(g.Key, g.OrderByDescending(a => a.PublishedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
                .Select(a => new DigestItem(a.Id, a.Title, a.CanonicalUrl, a.Summary, a.Authors, a.PublishedAt, DigestRenderer.LongDate(a.PublishedAt, zone),
                    a.Access == ArticleAccess.Premium, a.ImageUrl, a.Issue,
                    a.Access == ArticleAccess.Premium ? a.ContentHtml : null)).ToList()))
            .ToList();
    }
}
