using System.Text;
using EnContact.Syndication.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>The admin API for subscribers (bearer token): search, counts, CSV import and export, erasure.</summary>
public static class SubscribersApi
{
    public static RouteGroupBuilder MapSubscribersApi(this RouteGroupBuilder admin)
    {
        var api = admin.MapGroup("/subscribers");
        api.MapGet("/", ListSubscribers);
        api.MapGet("/counts", Counts);
        api.MapGet("/export", Export);
        api.MapPost("/import", Import);
        api.MapPost("/erase", EraseByAddress);
        api.MapGet("/{id}", GetSubscriber);
        api.MapDelete("/{id}", EraseById);
        return api;
    }

    /// <summary>A subscriber as the API shows it (status as text, sections null for "all").</summary>
    public sealed record SubscriberView(
        string Id, string Email, string? Name, string Status, IReadOnlyList<string>? Sections, DateTimeOffset? ConsentAt, string? ConsentSource,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ConfirmedAt, DateTimeOffset? UnsubscribedAt, string? Suppression)
    {
        public static SubscriberView Of(Subscriber s) => new(s.Id, s.Address, s.Name, EnumText.Of(s.Status), s.Sections, s.ConsentAt,
            s.ConsentSource, s.CreatedAt, s.UpdatedAt, s.ConfirmedAt, s.UnsubscribedAt, s.Suppression);
    }

    public sealed record SubscriberListResponse(IReadOnlyList<SubscriberView> Items, long Total, int Page, int PageSize);

    public sealed record ImportReport(bool DryRun, int Rows, int Created, int Activated, int Unchanged, int Rejected, IReadOnlyList<ImportOutcomeView> Problems);

    public sealed record ImportOutcomeView(int Line, string? Email, string Result, string? Reason);

    public sealed record EraseRequest(string? Email, bool? KeepSuppression);

    private static async Task<Results<Ok<SubscriberListResponse>, ValidationProblem>> ListSubscribers(
        SubscriberStore store, string? status, string? section, string? q, string? page, string? pageSize, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        SubscriberStatus? statusFilter = null;
        if (status is not null)
        {
            if (EnumText.TryParse<SubscriberStatus>(status, out var parsed))
                statusFilter = parsed;
            else
                errors["status"] = [$"'{status}' is not one of {string.Join(", ", EnumText.All<SubscriberStatus>())}"];
        }
        var pageNumber = Paging.ParseRange("page", page, 1, 1, int.MaxValue / SubscriberStore.MaxPageSize, errors);
        var size = Paging.ParseRange("pageSize", pageSize, 50, 1, SubscriberStore.MaxPageSize, errors);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var result = await store.ListAsync(new SubscriberQuery { Status = statusFilter, Section = section, Search = q, Page = pageNumber, PageSize = size }, cancellationToken);
        return TypedResults.Ok(new SubscriberListResponse(result.Items.Select(SubscriberView.Of).ToList(), result.Total, result.Page, result.PageSize));
    }

    private static async Task<Ok<SubscriberCounts>> Counts(SubscriberStore store, IOptions<SubscribersOptions> options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.CountsAsync(options.Value.EffectiveSections, cancellationToken));

    private static async Task<Results<Ok<SubscriberView>, ProblemHttpResult>> GetSubscriber(string id, SubscriberStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } subscriber ? TypedResults.Ok(SubscriberView.Of(subscriber)) : NotFound(id);

    /// <summary>Every subscriber as a CSV download (the API's and the desk's export).</summary>
    public static async Task Export(HttpContext http, SubscriberStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"subscribers-{time.GetUtcNow():yyyyMMdd-HHmmss}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        await SubscriberCsv.WriteAsync(store.ExportAsync(cancellationToken), writer, cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Imports a CSV body (<c>text/csv</c>). <c>?dryRun=true</c> checks and reports without writing;
    /// <c>?source=</c> is the consent source of rows that have none. 200 with a per-row report.
    /// </summary>
    private static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> Import(
        HttpRequest request, SubscriberImports imports, bool? dryRun, string? source, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("text/csv" or "text/plain"))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: "Send the subscribers as text/csv (UTF-8) with a header line: email,name,consent_date,consent_source,sections.");
        using var reader = new StreamReader(request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
        string text;
        try
        {
            // Parsing is synchronous (CsvHelper); read the bounded body first.
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not UTF-8", detail: "The CSV must be UTF-8 encoded.");
        }
        var (report, problem) = await imports.RunAsync(text, source, dryRun ?? false, cancellationToken);
        return report is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable CSV", detail: problem)
            : TypedResults.Ok(report);
    }

    private static async Task<Results<Ok<ErasureReport>, ValidationProblem, ProblemHttpResult>> EraseByAddress(
        HttpRequest http, SubscriberStore store, PersonalData personalData, IOptions<AdminOptions> admin, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<EraseRequest>(http, admin.Value.MaxRequestBodyBytes, cancellationToken);
        if (request is null)
            return unreadable!;
        if (!Delivery.MailInput.TryNormalizeAddress("email", request.Email, out var address, out var error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        return TypedResults.Ok(await EraseAsync(store, personalData, address, request.KeepSuppression ?? true, loggers, cancellationToken));
    }

    private static async Task<Results<Ok<ErasureReport>, ProblemHttpResult>> EraseById(string id, bool? keepSuppression, SubscriberStore store, PersonalData personalData, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } subscriber)
            return NotFound(id);
        return TypedResults.Ok(await EraseAsync(store, personalData, subscriber.Address, keepSuppression ?? true, loggers, cancellationToken));
    }

    /// <summary>Right to erasure, logged under the address's label (the API's and the desk's).</summary>
    public static async Task<ErasureReport> EraseAsync(SubscriberStore store, PersonalData personalData, string address, bool keepSuppression, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var report = await store.EraseAsync(address, keepSuppression, cancellationToken);
        loggers.CreateLogger(typeof(SubscribersApi)).LogInformation(
            "Erased {Address} on request: subscriber removed {Removed}, {Messages} message(s) removed, {Members} member(s) removed, suppression hash kept {Kept}",
            personalData.LogId(address), report.SubscriberRemoved, report.MessagesRemoved, report.MembersRemoved, report.SuppressionHashKept);
        return report;
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such subscriber", detail: $"No subscriber has the id '{id}'.");
}
