using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>
/// The admin API the paywall keeps the members' list in sync with (bearer token): upsert, list, read,
/// revoke, rotate a feed token, CSV import. Handlers read bodies themselves (see <see cref="JsonBody"/>).
/// </summary>
public static class MembersApi
{
    public static RouteGroupBuilder MapMembersApi(this RouteGroupBuilder admin)
    {
        var api = admin.MapGroup("/members");
        api.MapGet("/", ListMembers);
        api.MapPost("/import", Import);
        api.MapGet("/{externalId}", GetMember);
        api.MapPut("/{externalId}", PutMember);
        api.MapDelete("/{externalId}", RevokeMember);
        api.MapPost("/{externalId}/feed-token", RotateFeedToken);
        return api;
    }

    /// <summary>What the paywall sends for one member.</summary>
    public sealed record MemberBody(string? Email, string? Name, string? ExpiresAt);

    /// <summary>A member as the API shows it. FeedUrls and Clients only on a single member.</summary>
    public sealed record MemberView(
        string ExternalId, string Email, string? Name, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string State,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<MemberFeedLink>? FeedUrls = null, int? Clients = null, bool? PossiblyShared = null)
    {
        public static MemberView Of(Member m, DateTimeOffset now) =>
            new(m.ExternalId, m.Address, m.Name, m.ExpiresAt, m.RevokedAt, m.StateAt(now), m.CreatedAt, m.UpdatedAt);
    }

    public sealed record MemberListResponse(IReadOnlyList<MemberView> Items, long Total, int Page, int PageSize);

    public sealed record UpsertResponse(string Result, MemberView Member);

    private static async Task<Results<Ok<MemberListResponse>, ValidationProblem>> ListMembers(
        MemberStore store, TimeProvider time, string? page, string? pageSize, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = Paging.ParseRange("page", page, 1, 1, int.MaxValue / MemberStore.MaxPageSize, errors);
        var size = Paging.ParseRange("pageSize", pageSize, 50, 1, MemberStore.MaxPageSize, errors);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var result = await store.ListAsync(pageNumber, size, cancellationToken);
        var now = time.GetUtcNow();
        return TypedResults.Ok(new MemberListResponse(result.Items.Select(m => MemberView.Of(m, now)).ToList(), result.Total, result.Page, result.PageSize));
    }

    private static async Task<Results<Ok<MemberView>, ProblemHttpResult>> GetMember(
        string externalId, MemberStore store, MemberFeedLinks links, IOptions<MembersOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(externalId, cancellationToken) is not { } member)
            return NotFound(externalId);
        return TypedResults.Ok(await DetailAsync(member, store, links, options.Value, time.GetUtcNow(), cancellationToken));
    }

    private static async Task<Results<Ok<UpsertResponse>, Created<UpsertResponse>, ProblemHttpResult, ValidationProblem>> PutMember(
        string externalId, HttpRequest http, MemberStore store, [FromServices] MagazineTime magazineTime, IOptions<AdminOptions> admin, TimeProvider time,
        ILogger<MemberStore> logger, CancellationToken cancellationToken)
    {
        if (MemberInput.CheckExternalId(externalId) is { } idProblem)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["externalId"] = [idProblem] });
        var (body, unreadable) = await JsonBody.ReadAsync<MemberBody>(http, admin.Value.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
            return unreadable!;
        var problems = new Dictionary<string, string>();
        if (MemberInput.Check(externalId, body.Email, body.Name, body.ExpiresAt, magazineTime, problems) is not { } upsert)
            return TypedResults.ValidationProblem(problems.ToDictionary(p => p.Key, p => new[] { p.Value }));
        var result = await store.UpsertAsync(upsert, cancellationToken);
        logger.LogInformation("Member {ExternalId} {Result} through the API", externalId, result.ToString().ToLowerInvariant());
        var member = await store.GetAsync(externalId, cancellationToken);
        var response = new UpsertResponse(result.ToString().ToLowerInvariant(), MemberView.Of(member!, time.GetUtcNow()));
        return result == UpsertResult.Created
            ? TypedResults.Created($"/api/members/{Uri.EscapeDataString(externalId)}", response)
            : TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeMember(string externalId, MemberStore store, ILogger<MemberStore> logger, CancellationToken cancellationToken)
    {
        if (!await store.RevokeAsync(externalId, cancellationToken))
            return NotFound(externalId);
        logger.LogInformation("Member {ExternalId} revoked through the API: its private feeds answer 404", externalId);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MemberView>, ProblemHttpResult>> RotateFeedToken(
        string externalId, MemberStore store, MemberFeedLinks links, IOptions<MembersOptions> options, TimeProvider time, ILogger<MemberStore> logger, CancellationToken cancellationToken)
    {
        if (await store.RotateTokenAsync(externalId, cancellationToken) is not { } member)
            return NotFound(externalId);
        logger.LogInformation("Feed token of member {ExternalId} rotated through the API: the old URLs stopped", externalId);
        return TypedResults.Ok(await DetailAsync(member, store, links, options.Value, time.GetUtcNow(), cancellationToken));
    }

    /// <summary>
    /// Imports a CSV body (<c>text/csv</c>, header <c>external_id,email,name,expires_at</c>).
    /// <c>?dryRun=true</c> checks and reports without writing; <c>?revokeAbsent=true</c> also revokes
    /// the active members the file does not name (never by default).
    /// </summary>
    private static async Task<Results<Ok<MemberImportReport>, ProblemHttpResult>> Import(
        HttpRequest request, MemberImports imports, bool? dryRun, bool? revokeAbsent, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("text/csv" or "text/plain"))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: $"Send the members as text/csv (UTF-8) with a header line: {MemberCsv.Header}.");
        using var reader = new StreamReader(request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string text;
        try
        {
            text = await reader.ReadToEndAsync(cancellationToken); // parsing is synchronous: read the bounded body first
        }
        catch (DecoderFallbackException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not UTF-8", detail: "The CSV must be UTF-8 encoded.");
        }
        var (report, problem) = await imports.RunAsync(new StringReader(text), dryRun ?? false, revokeAbsent ?? false, cancellationToken);
        return report is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable CSV", detail: problem)
            : TypedResults.Ok(report);
    }

    private static async Task<MemberView> DetailAsync(Member member, MemberStore store, MemberFeedLinks links, MembersOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var clients = await store.ClientCountAsync(member.ExternalId, now - options.SharingWindow, cancellationToken);
        return MemberView.Of(member, now) with
        {
            FeedUrls = member.IsActiveAt(now) ? links.For(member) : [],
            Clients = clients,
            PossiblyShared = clients > options.SharingThreshold,
        };
    }

    private static ProblemHttpResult NotFound(string externalId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such member", detail: $"No member has the id '{externalId}'.");
}
