using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>Admin endpoints for the digest: schedule, editions, previews, approval, test copies, checks before sending and release of held editions.</summary>
public static class DigestsApi
{
    public sealed record TestRequest(string? To, string? Edition);

    /// <summary>Release of a held edition: without <see cref="Override"/> its letter is checked again; with it, it is sent anyway and the reason recorded.</summary>
    public sealed record ReleaseRequest(string? Override);

    /// <summary>The checks of an edition's letter as they come out now.</summary>
    public sealed record CheckResult(string Edition, bool Passed, IReadOnlyList<GateCheck> Checks);

    public sealed record EditionList(IReadOnlyList<DateTimeOffset> NextFireTimes, IReadOnlyList<EditionSummary> Editions);

    /// <summary>An edition with what it carries and, while it waits for approval, what changed since it was built.</summary>
    public sealed record EditionDetail(EditionSummary Edition, DigestSnapshot? Snapshot, IReadOnlyList<ArticleChange> ChangesSinceBuilt);

    public static RouteGroupBuilder MapDigestsApi(this RouteGroupBuilder admin)
    {
        var api = admin.MapGroup("/digests");
        api.MapGet("/", ListEditions);
        api.MapGet("/schedule", (DigestSchedule schedule, TimeProvider time) => TypedResults.Ok(schedule.Upcoming(time.GetUtcNow(), 5)));
        api.MapGet("/preview", PreviewNextAsync);
        api.MapPost("/test", SendTest);
        api.MapGet("/{key}", GetEdition);
        api.MapGet("/{key}/preview", (string key, string? subscriber, bool? member, DigestEditions editions, CancellationToken ct) => PreviewAsync(key, subscriber, null, member ?? false, editions, ct));
        api.MapPost("/{key}/approve", Approve);
        api.MapPost("/{key}/rebuild", (string key, DigestEditions editions, CancellationToken ct) => ChangeAsync(key, e => e.RebuildAsync(key, ct), editions));
        api.MapGet("/checks", (DigestEditions editions, CancellationToken ct) => CheckAsync(null, editions, ct));
        api.MapGet("/{key}/checks", (string key, DigestEditions editions, CancellationToken ct) => CheckAsync(key, editions, ct));
        api.MapPost("/{key}/release", Release);
        api.MapPost("/{key}/discard", (string key, DigestEditions editions, CancellationToken ct) => ChangeAsync(key, e => e.DiscardAsync(key, ct), editions));
        return api;
    }

    private static async Task<Ok<EditionList>> ListEditions(DigestStore store, DigestSchedule schedule, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(new EditionList(schedule.Upcoming(time.GetUtcNow(), 5), await store.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<EditionDetail>, ProblemHttpResult>> GetEdition(string key, DigestStore store, DigestEditions editions, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) is { } found
            ? TypedResults.Ok(new EditionDetail(found.Edition, found.Snapshot, await editions.ChangesAsync(key, cancellationToken)))
            : NotFound(key);

    private static async Task<Results<Ok<EditionSummary>, ProblemHttpResult>> ChangeAsync(string key, Func<DigestEditions, Task<(EditionSummary? Edition, string? Problem)>> change, DigestEditions editions)
    {
        var (edition, problem) = await change(editions);
        if (edition is not null)
            return TypedResults.Ok(edition);
        return problem!.StartsWith("no edition", StringComparison.Ordinal)
            ? NotFound(key)
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible now", detail: problem);
    }

    /// <summary>The next edition (or the one waiting); <c>?since=2026-11-01</c> previews it as if its period started then.</summary>
    private static async Task<IResult> PreviewNextAsync(string? subscriber, string? since, bool? member, [FromServices] MagazineTime magazineTime, DigestEditions editions, CancellationToken cancellationToken)
    {
        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (!magazineTime.TryParse(since, out var instant, out var error))
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid 'since'", detail: "since: " + error);
            from = instant;
        }
        return await PreviewAsync(null, subscriber, from, member ?? false, editions, cancellationToken);
    }

    private static async Task<IResult> PreviewAsync(string? key, string? subscriber, DateTimeOffset? since, bool member, DigestEditions editions, CancellationToken cancellationToken)
    {
        var (digest, problem) = await editions.PreviewAsync(key, subscriber, since, cancellationToken, member);
        if (digest is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Nothing to preview", detail: problem);
        return TypedResults.Content(digest.Html, "text/html; charset=utf-8");
    }

    private static async Task<Results<Ok<EditionSummary>, ProblemHttpResult>> Approve(string key, DigestEditions editions, DigestStore store, CancellationToken cancellationToken)
    {
        if (await editions.ApproveAsync(key, cancellationToken) is { } approved)
            return TypedResults.Ok(approved);
        return await store.GetAsync(key, cancellationToken) is { } existing
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not waiting for approval",
                detail: $"Edition '{key}' is {EnumText.Of(existing.Edition.Status)}.")
            : NotFound(key);
    }

    private static async Task<Results<Ok<CheckResult>, ProblemHttpResult>> CheckAsync(string? key, DigestEditions editions, CancellationToken cancellationToken)
    {
        var (report, snapshot, problem) = await editions.CheckAsync(key, cancellationToken);
        return report is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Nothing to check", detail: problem)
            : TypedResults.Ok(new CheckResult(snapshot!.Key, report.Passed, report.Checks));
    }

    /// <summary>Releases a held edition; the body (<c>{"override": "why"}</c>) may be empty to check it again.</summary>
    private static async Task<IResult> Release(string key, HttpRequest http, DigestEditions editions, IOptions<AdminOptions> admin, CancellationToken cancellationToken)
    {
        ReleaseRequest? request = new(null);
        if (http.ContentLength > 0 || http.Headers.TransferEncoding.Count > 0)
        {
            (request, var unreadable) = await JsonBody.ReadAsync<ReleaseRequest>(http, admin.Value.MaxRequestBodyBytes, cancellationToken);
            if (request is null)
                return unreadable!;
        }
        var (edition, problem) = await editions.ReleaseAsync(key, request.Override, "the admin API", cancellationToken);
        if (edition is { Status: EditionStatus.Held })
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Still held", detail: edition.Reason);
        if (edition is not null)
            return TypedResults.Ok(edition);
        if (problem!.StartsWith("override:", StringComparison.Ordinal))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["override"] = [problem] });
        return problem.StartsWith("no edition", StringComparison.Ordinal)
            ? NotFound(key)
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not held", detail: problem);
    }

    /// <summary>Queues one test copy of the next edition; delivery sends it like any transactional mail.</summary>
    private static async Task<Results<Accepted, ValidationProblem, ProblemHttpResult>> SendTest(
        HttpRequest http, DigestEditions editions, IOptions<AdminOptions> admin, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<TestRequest>(http, admin.Value.MaxRequestBodyBytes, cancellationToken);
        if (request is null)
            return unreadable!;
        var (campaign, problem) = await editions.QueueTestCopyAsync(request.To ?? "", request.Edition, cancellationToken);
        if (campaign is null)
            return problem!.StartsWith("to:", StringComparison.Ordinal)
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [problem] })
                : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to send", detail: problem);
        return TypedResults.Accepted($"/api/deliveries/{campaign}");
    }

    private static ProblemHttpResult NotFound(string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such edition", detail: $"No edition has the key '{key}'.");
}
