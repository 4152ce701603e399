using System.Globalization;
using System.Text.Json;
using EnContact.Syndication.Articles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>The admin API for articles and ingestion problems, mapped inside the admin group (<see cref="AdminAuthentication.MapAdminApi"/>).</summary>
public static class ArticlesApi
{
    public const int MaxPageSize = 200;

    /// <summary>The source prefix of articles read from an upstream feed ("feed:&lt;name&gt;").</summary>
    public const string FeedSourcePrefix = "feed:";

    public static RouteGroupBuilder MapArticlesApi(this RouteGroupBuilder admin)
    {
        var api = admin;
        api.MapGet("/articles", ListArticles);
        api.MapGet("/articles/{id}", GetArticle);
        api.MapPut("/articles/{id}", PutArticle);
        api.MapDelete("/articles/{id}", DeleteArticle);
        api.MapGet("/ingestion/problems", ListProblems);
        return api;
    }

    private static async Task<Results<Ok<ArticleListResponse>, ValidationProblem>> ListArticles(
        ArticleStore store, string? section, string? status, string? since, string? changedSince, string? page, string? pageSize,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        ArticleStatus? statusFilter = null;
        if (status is not null)
        {
            if (EnumText.TryParse<ArticleStatus>(status, out var parsed))
                statusFilter = parsed;
            else
                errors["status"] = [$"'{status}' is not one of {string.Join(", ", EnumText.All<ArticleStatus>())}"];
        }
        DateTimeOffset? sinceFilter = null;
        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s))
                sinceFilter = s;
            else
                errors["since"] = [$"'{since}' is not an ISO 8601 instant such as 2026-11-20T08:00:00Z"];
        }
        long? changedSinceFilter = null;
        if (changedSince is not null)
        {
            if (long.TryParse(changedSince, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                changedSinceFilter = v;
            else
                errors["changedSince"] = [$"'{changedSince}' is not a store version (a whole number)"];
        }
        var pageNumber = Paging.ParseRange("page", page, 1, 1, int.MaxValue / MaxPageSize, errors);
        var size = Paging.ParseRange("pageSize", pageSize, 50, 1, MaxPageSize, errors);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var result = await store.ListAsync(new ArticleQuery
        {
            Section = section, Status = statusFilter, UpdatedSince = sinceFilter, ChangedSinceVersion = changedSinceFilter,
            Page = pageNumber, PageSize = size,
        }, cancellationToken);
        return TypedResults.Ok(new ArticleListResponse(
            result.Items.Select(a => ArticleResponse.From(a, withContent: false)).ToArray(), result.Page, result.PageSize, result.Total,
            store.Changes.Version));
    }

    private static async Task<Results<Ok<ArticleResponse>, ProblemHttpResult>> GetArticle(string id, ArticleStore store, CancellationToken cancellationToken)
    {
        var article = await store.GetAsync(id, cancellationToken);
        return article is null ? NotFound(id) : TypedResults.Ok(ArticleResponse.From(article));
    }

    private static async Task<Results<Created<ArticleSaveResponse>, Ok<ArticleSaveResponse>, ValidationProblem, ProblemHttpResult>> PutArticle(
        string id, HttpRequest request, ArticleStore store, ArticleNormalizer normalizer, IOptions<AdminOptions> admin,
        IngestionMetrics metrics, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, unreadable) = await JsonBody.ReadAsync<ArticleRequest>(request, admin.Value.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
            return unreadable!;
        if (body.Id is not null && body.Id != id)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"'{body.Id}' does not match the id in the URL ('{id}')"] });

        var existing = await store.GetAsync(id, cancellationToken);
        if (existing is not null && existing.IsFromFile && existing.Status != ArticleStatus.Deleted)
            return FileManaged(existing);
        // An upstream feed's article follows its item; an edit here would be refused by the feed from then on.
        if (existing is not null && existing.Source.StartsWith(FeedSourcePrefix, StringComparison.Ordinal) && existing.Status != ArticleStatus.Deleted)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The article comes from an upstream feed",
                detail: $"Article '{existing.Id}' is managed by {existing.Source}; change it in that feed's CMS instead.");

        var result = normalizer.Normalize(body.ToDraft(), id, Article.ApiSource);
        if (!result.IsValid)
        {
            metrics.Problem(IngestionMetrics.ApiSource);
            return TypedResults.ValidationProblem(
                result.Errors.GroupBy(e => JsonName(e.Field)).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
                title: "The article is not valid");
        }

        SaveOutcome outcome;
        Article stored;
        try
        {
            (outcome, stored) = await store.SaveAsync(id, existing => normalizer.Settle(result, existing), cancellationToken);
        }
        catch (SlugConflictException e)
        {
            metrics.Problem(IngestionMetrics.ApiSource);
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["slug"] = [e.Message] })
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The slug is taken",
            });
        }

        if (outcome != SaveOutcome.Unchanged)
            metrics.Articles(IngestionMetrics.ApiSource, EnumText.Of(outcome), 1);
        var warnings = result.Warnings.Select(w => $"{JsonName(w.Field)}: {w.Message}").ToArray();
        if (outcome != SaveOutcome.Unchanged)
            loggers.CreateLogger(typeof(ArticlesApi)).LogInformation("Article {Id} {Outcome} through the admin API ({Status})", id, outcome, stored.Status);
        var response = new ArticleSaveResponse(EnumText.Of(outcome), ArticleResponse.From(stored), warnings);
        return outcome == SaveOutcome.Created
            ? TypedResults.Created($"/api/articles/{Uri.EscapeDataString(id)}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteArticle(string id, ArticleStore store, IngestionMetrics metrics, CancellationToken cancellationToken)
    {
        var existing = await store.GetAsync(id, cancellationToken);
        if (existing is null || existing.Status == ArticleStatus.Deleted)
            return NotFound(id);
        if (existing.IsFromFile)
            return FileManaged(existing);
        await store.MarkDeletedAsync(id, cancellationToken);
        metrics.Articles(IngestionMetrics.ApiSource, "deleted", 1);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<IngestionProblem>>> ListProblems(ContentSourceStore sources, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sources.ListProblemsAsync(cancellationToken));

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such article", detail: $"No article has the id '{id}'.");

    private static ProblemHttpResult FileManaged(Article article) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The article comes from the content folder",
            detail: $"Article '{article.Id}' is managed by the file {article.Source[Article.FileSourcePrefix.Length..]}; change or remove that file instead.");

    /// <summary>Front-matter names are the API's JSON names, except the body.</summary>
    private static string JsonName(string field) => field == "content" ? "contentMarkdown" : field;
}
