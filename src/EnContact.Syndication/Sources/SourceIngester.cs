using System.Globalization;
using System.Text.Json;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Sources;

/// <summary>What one document's items did to the store.</summary>
public sealed record IngestReport(int Created, int Updated, int Unchanged, int Problems)
{
    public static readonly IngestReport None = new(0, 0, 0, 0);

    public IngestReport Add(IngestReport other) =>
        new(Created + other.Created, Updated + other.Updated, Unchanged + other.Unchanged, Problems + other.Problems);

    public override string ToString() => $"{Created} created, {Updated} updated, {Unchanged} unchanged, {Problems} problem(s)";
}

/// <summary>
/// Turns a feed document's items into articles through the path every source takes: an
/// <see cref="ArticleDraft"/>, <see cref="ArticleNormalizer.Normalize"/>, then <see cref="ArticleStore.SaveAsync(string, Func{Article?, Article}, CancellationToken)"/>,
/// which settles against the stored version and announces the change to feeds and digests.
/// An item whose hash matches the one last ingested writes no article; an item that cannot become an
/// article is a problem of its own and leaves its article's last good version in place; an article
/// another source (a file, the admin API, another feed) holds is never replaced.
/// </summary>
public sealed class SourceIngester(
    Database database,
    ArticleStore articles,
    ArticleNormalizer normalizer,
    ContentSourceStore problems,
    SourceStore store,
    SectionNames sections,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<SourceIngester> logger)
{
    public const string MetricsSource = "feed";

    private sealed class ForeignArticleException(string source) : Exception
    {
        public string Holder { get; } = source;
    }

    public async Task<IngestReport> IngestAsync(UpstreamFeedOptions feed, UpstreamDocument document, CancellationToken cancellationToken)
    {
        var name = feed.Name!;
        var source = SourceIds.SourceOf(name);
        var seen = await store.LoadItemsAsync(name, cancellationToken);
        var itemProblems = await LoadItemProblemsAsync(name, cancellationToken);
        var now = time.GetUtcNow();
        int created = 0, updated = 0, unchanged = 0, failed = 0;
        var unchangedKeys = new List<string>();
        foreach (var item in document.Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = SourceIds.ArticleId(name, item.Key);
            var key = SourceIds.StorageKey(item.Key);
            var problemKey = SourceIds.ItemProblemOf(name, id);
            seen.TryGetValue(key, out var known);
            // An undated item is dated when first seen, and stays so: its hash does not move between polls.
            var draft = DraftOf(feed, item, known?.FirstSeenAt ?? now);
            var hash = HashOf(id, draft);
            var hadProblem = itemProblems.ContainsKey(problemKey);
            if (known is not null && known.ContentHash == hash)
            {
                unchanged++;
                unchangedKeys.Add(key);
                if (hadProblem)
                    await ClearProblemAsync(problemKey, cancellationToken);
                continue;
            }
            // A broken item is tried again on every document fetched: what kept it out (a slug, an id
            // another source held) may have gone without the item changing.
            var (outcome, problem) = await SaveAsync(id, source, draft, cancellationToken);
            if (problem is not null)
            {
                failed++;
                metrics.Problem(MetricsSource);
                logger.LogWarning("Feed {Source}: item {Key} (article {Id}) skipped: {Problem}; its last good version, if any, stays published", name, item.Key, id, problem);
                await RecordProblemAsync(problemKey, $"{Describe(item)}: {problem}", hash, cancellationToken);
                continue;
            }
            await store.SaveItemAsync(name, new SeenItem(key, id, hash, known?.FirstSeenAt ?? now, now), cancellationToken);
            if (hadProblem)
                await ClearProblemAsync(problemKey, cancellationToken);
            switch (outcome)
            {
                case SaveOutcome.Created: created++; break;
                case SaveOutcome.Updated: updated++; logger.LogInformation("Feed {Source}: article {Id} updated from item {Key}", name, id, item.Key); break;
                default: unchanged++; break;
            }
        }
        await store.TouchItemsAsync(name, unchangedKeys, now, cancellationToken);
        metrics.Articles(MetricsSource, "created", created);
        metrics.Articles(MetricsSource, "updated", updated);
        return new IngestReport(created, updated, unchanged, failed);
    }

    /// <summary>Normalises and saves one item; a slug another article holds gets the id's digits after it, once.</summary>
    private async Task<(SaveOutcome Outcome, string? Problem)> SaveAsync(string id, string source, ArticleDraft draft, CancellationToken cancellationToken)
    {
        var result = normalizer.Normalize(draft, id, source);
        if (!result.IsValid)
            return (SaveOutcome.Unchanged, string.Join("; ", result.Errors.Select(e => e.ToString())));
        try
        {
            return (await SettleAndSaveAsync(id, source, result, cancellationToken), null);
        }
        catch (SlugConflictException)
        {
            var slug = $"{result.Article!.Slug[..Math.Min(result.Article.Slug.Length, Slugs.MaxLength - 7)].TrimEnd('-')}-{id[^6..]}";
            var retried = normalizer.Normalize(draft with { Slug = slug }, id, source);
            try
            {
                return retried.IsValid ? (await SettleAndSaveAsync(id, source, retried, cancellationToken), null) : (SaveOutcome.Unchanged, string.Join("; ", retried.Errors));
            }
            catch (SlugConflictException e)
            {
                return (SaveOutcome.Unchanged, $"slug: {e.Message}");
            }
            catch (ForeignArticleException e)
            {
                return (SaveOutcome.Unchanged, Foreign(id, e.Holder));
            }
        }
        catch (ForeignArticleException e)
        {
            return (SaveOutcome.Unchanged, Foreign(id, e.Holder));
        }
    }

    private async Task<SaveOutcome> SettleAndSaveAsync(string id, string source, NormalizationResult result, CancellationToken cancellationToken)
    {
        var (outcome, _) = await articles.SaveAsync(id, existing =>
            existing is not null && existing.Source != source && existing.Status != ArticleStatus.Deleted
                ? throw new ForeignArticleException(existing.Source) // thrown inside the save's transaction: nothing is written
                : normalizer.Settle(result, existing), cancellationToken);
        return outcome;
    }

    private static string Foreign(string id, string source) =>
        $"id: '{id}' is already used by {(source.StartsWith(Article.FileSourcePrefix, StringComparison.Ordinal) ? "the file " + source[Article.FileSourcePrefix.Length..] : source == Article.ApiSource ? "an article created through the admin API" : source)}; a feed item never replaces it";

    /// <summary>The item as an editor's draft: its categories give the section (when one names a configured section) and the tags.</summary>
    private ArticleDraft DraftOf(UpstreamFeedOptions feed, UpstreamItem item, DateTimeOffset firstSeen)
    {
        var section = item.Categories.FirstOrDefault(sections.Knows);
        var published = item.Published ?? firstSeen;
        return new ArticleDraft
        {
            Title = item.Title,
            Published = Iso(published),
            Updated = item.Updated is { } updated && updated > published ? Iso(updated) : null,
            Authors = item.Authors.Count > 0 ? item.Authors : null,
            Section = section ?? (string.IsNullOrWhiteSpace(feed.Section) ? null : feed.Section),
            Tags = [.. item.Categories.Where(c => c != section)],
            Access = feed.Access,
            Summary = SummaryOf(item.Summary),
            BodyHtml = item.ContentHtml ?? item.Summary ?? "",
            Image = item.Image,
        };
    }

    /// <summary>A description is often an excerpt with markup, sometimes longer than a summary may be: plain text, cut at a word.</summary>
    private static string? SummaryOf(string? summary)
    {
        if (string.IsNullOrWhiteSpace(summary))
            return null;
        var plain = string.Join(' ', PlainText.FromHtmlish(summary, out _).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (plain.Length == 0)
            return null;
        if (plain.Length <= ArticleNormalizer.MaxSummaryLength)
            return plain;
        var cut = plain.LastIndexOf(' ', ArticleNormalizer.MaxSummaryLength - 2);
        return plain[..(cut > 0 ? cut : ArticleNormalizer.MaxSummaryLength - 2)] + " …";
    }

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>SHA-256 of everything the item gives the article (the source's defaults included), so a change of either is seen.</summary>
    private static string HashOf(string id, ArticleDraft draft) =>
        SourceIds.Hex(JsonSerializer.Serialize(new object?[]
        {
            id, draft.Title, draft.Published, draft.Updated, draft.Authors, draft.Section, draft.Tags, draft.Access, draft.Summary, draft.BodyHtml, draft.Image,
        }));

    private static string Describe(UpstreamItem item) => $"item '{(item.Key.Length <= 120 ? item.Key : item.Key[..120] + "…")}'";

    private async Task<Dictionary<string, string?>> LoadItemProblemsAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var prefix = SourceIds.ItemProblemOf(name, "");
        return (await problems.LoadProblemHashesAsync(connection, cancellationToken))
            .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    public async Task RecordProblemAsync(string key, string reason, string? hash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, null, cancellationToken);
        await problems.RecordProblemAsync(connection, transaction, key, null, reason, hash, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task ClearProblemAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await database.BeginWriteAsync(connection, null, cancellationToken);
        await problems.ClearProblemAsync(connection, transaction, key, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
