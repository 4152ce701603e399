using EnContact.Syndication.Articles;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

public sealed record ArticlesPageModel : DeskPageModel
{
    public required ArticlePage Articles { get; init; }
    public required IReadOnlyList<IngestionProblem> Problems { get; init; }
    public string? Search { get; init; }
    public string? Status { get; init; }
    public string? Section { get; init; }
    public required IReadOnlyList<string> Sections { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public required string PageLink { get; init; }
}

/// <summary>The articles as stored (search, status, section), the content files that could not be ingested (file, line, reason), and a feed rebuild.</summary>
public static class ArticlesPage
{
    private const int PageSize = 50;

    public static async Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, ArticleStore articles, ContentSourceStore sources, IOptions<SubscribersOptions> subscribers,
        [Microsoft.AspNetCore.Mvc.FromServices] MagazineTime magazineTime, string? q, string? statut, string? rubrique, int? page, CancellationToken cancellationToken)
    {
        ArticleStatus? status = EnumText.TryParse<ArticleStatus>(statut, out var parsed) ? parsed : null;
        var section = string.IsNullOrWhiteSpace(rubrique) ? null : rubrique;
        var number = Math.Clamp(page ?? 1, 1, 100_000);
        var found = await articles.ListAsync(new ArticleQuery { Search = q, Status = status, Section = section, Page = number, PageSize = PageSize }, cancellationToken);
        var query = string.Join("&", new[] { ("q", q), ("statut", status is null ? null : EnumText.Of(status.Value)), ("rubrique", section) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return await kit.RenderAsync(http, "Articles", new ArticlesPageModel
        {
            Title = "Articles", Menu = "articles", Articles = found, Problems = await sources.ListProblemsAsync(cancellationToken),
            Search = q, Status = status is null ? null : EnumText.Of(status.Value), Section = section, Sections = subscribers.Value.EffectiveSections, Zone = magazineTime.Zone,
            PageLink = DeskRoutes.Articles + "?" + (query.Length == 0 ? "" : query + "&") + "page=",
        });
    }

    /// <summary>Renders every feed from the store now, as a change of article would (for a template or setting changed by hand).</summary>
    public static async Task<IResult> RebuildFeedsAsync(FeedPublisher publisher, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var snapshot = await publisher.RebuildAsync(cancellationToken);
        loggers.CreateLogger(typeof(ArticlesPage)).LogInformation("Feeds rebuilt from the desk: {Documents} documents", snapshot.Documents.Count);
        return DeskPageKit.Done(DeskRoutes.Articles, "flux-reconstruits");
    }
}
