using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Sources;

/// <summary>What a back-fill did, or why it did not run.</summary>
public sealed record BackfillReport(int Pages, IngestReport Items, string Stop, string? Refused = null);

/// <summary>
/// Reads a source's older items once: from the feed's URL, page after page, following RFC 5005's
/// <c>prev-archive</c> (or a paged feed's <c>next</c>, JSON Feed's <c>next_url</c>); an RSS feed
/// without such links is asked for WordPress's <c>?paged=2</c>, 3… It stops at a 404, an empty page,
/// a page that brings nothing new, a page seen already, or <see cref="SourcesOptions.BackfillMaxPages"/>.
/// It records that the source was back-filled and refuses to run again unless asked to.
/// </summary>
public sealed class SourceBackfill(
    UpstreamFetcher fetcher,
    SourceIngester ingester,
    SourceStore store,
    IOptions<SourcesOptions> options,
    TimeProvider time,
    ILogger<SourceBackfill> logger)
{
    public async Task<BackfillReport> RunAsync(UpstreamFeedOptions feed, bool again, CancellationToken cancellationToken)
    {
        var name = feed.Name!;
        var state = await store.GetAsync(name, cancellationToken) ?? new SourceState { Name = name };
        if (state.BackfilledAt is { } done && !again)
            return new BackfillReport(0, IngestReport.None, "", $"source '{name}' was back-filled at {done:u}; add --again to read its archive once more");

        var maxPages = options.Value.BackfillMaxPages;
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var total = IngestReport.None;
        var url = feed.Uri;
        int? wordPressPage = null;
        var pages = 0;
        string stop;
        while (true)
        {
            if (pages >= maxPages)
            {
                stop = $"reached Sources:BackfillMaxPages ({maxPages})";
                break;
            }
            if (!visited.Add(url.AbsoluteUri))
            {
                stop = $"{url} was read already";
                break;
            }
            var fetched = await fetcher.FetchAsync(url, null, null, cancellationToken);
            if (fetched is FetchResult.Failed failed)
            {
                if (pages == 0 || !failed.NotFound)
                    return new BackfillReport(pages, total, "", $"{url}: {failed.Reason}");
                stop = $"{url} answered {failed.Reason}";
                break;
            }
            if (fetched is not FetchResult.Fetched document)
                return new BackfillReport(pages, total, "", $"{url}: an unconditional request was answered 304");
            UpstreamDocument page;
            try
            {
                page = FeedDocumentReader.Read(document.Body, document.MediaType, url);
            }
            catch (UnreadableFeedException e)
            {
                return new BackfillReport(pages, total, "", $"{url}: {e.Message}");
            }
            pages++;
            if (page.Items.Count == 0)
            {
                stop = $"{url} has no items";
                break;
            }
            var fresh = page.Items.Count(i => keys.Add(i.Key));
            total = total.Add(await ingester.IngestAsync(feed, page, cancellationToken));
            logger.LogInformation("Back-fill of {Source}: page {Page} ({Url}), {Items} item(s), {Fresh} new", name, pages, url, page.Items.Count, fresh);
            if (fresh == 0)
            {
                stop = $"{url} brought no item not seen on an earlier page";
                break;
            }
            if (wordPressPage is null && page.OlderPage is { } older)
                url = older;
            else if (page.Format == "rss")
            {
                wordPressPage = (wordPressPage ?? 1) + 1;
                url = WithPage(feed.Uri, wordPressPage.Value);
            }
            else
            {
                stop = "the last page links to no older one";
                break;
            }
        }
        await store.SaveAsync((await store.GetAsync(name, cancellationToken) ?? state) with { BackfilledAt = time.GetUtcNow() }, cancellationToken);
        logger.LogInformation("Back-fill of {Source} done: {Pages} page(s), {Report}; stopped because {Stop}", name, pages, total, stop);
        return new BackfillReport(pages, total, stop);
    }

    /// <summary>The feed's URL with WordPress's <c>paged=N</c> added to (or replacing in) its query.</summary>
    public static Uri WithPage(Uri feed, int page)
    {
        var query = feed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.StartsWith("paged=", StringComparison.Ordinal)).Append($"paged={page}");
        return new UriBuilder(feed) { Query = string.Join('&', query) }.Uri;
    }
}
