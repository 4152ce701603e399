using System.Text;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

public sealed record SubscribersPageModel : DeskPageModel
{
    public required SubscriberCounts Counts { get; init; }
    public required SubscriberPage Found { get; init; }
    public string? Search { get; init; }
    public string? Status { get; init; }
    public string? Section { get; init; }
    public required IReadOnlyList<string> Sections { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public required string PageLink { get; init; }
    /// <summary>The report of the import just checked or applied, with the id to apply a checked one.</summary>
    public SubscribersApi.ImportReport? Report { get; init; }
    public string? ImportId { get; init; }
    public string? ImportFile { get; init; }
}

public sealed record SubscriberPageModel : DeskPageModel
{
    public required Subscriber Subscriber { get; init; }
    public required IReadOnlyList<MessageRecord> Messages { get; init; }
    /// <summary>The reports that came back about the reader (bounces, complaints, mailed unsubscribes), newest first.</summary>
    public required IReadOnlyList<BounceEvent> Bounces { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public bool ConfirmErase { get; init; }
}

/// <summary>
/// Subscribers, for administrators: counts by status and section, search, one subscriber's history
/// (consent, editions received, the reports that came back about them, why the address is blocked), CSV import (a dry run with each row's outcome, then apply),
/// export, and erasure behind a confirmation — through the same store and CSV code as the admin API.
/// </summary>
public static class SubscribersPages
{
    private const int PageSize = 50;

    /// <summary>Reports shown under one subscriber: years of a busy address fit, a runaway one does not swamp the page.</summary>
    private const int HistoryLength = 200;

    public static Task<IResult> ShowAsync(HttpContext http, string? q, string? statut, string? rubrique, int? page) =>
        RenderListAsync(http, q, statut, rubrique, page ?? 1);

    public static async Task<IResult> ShowOneAsync(string id, HttpContext http, DeskPageKit kit, SubscriberStore store, MessageHistory history, BounceStore bounces,
        [Microsoft.AspNetCore.Mvc.FromServices] MagazineTime magazineTime, bool? effacer, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } subscriber)
            return await kit.RenderAsync(http, "Message", new MessagePageModel { Title = "Abonné introuvable", Message = "Aucun abonné n’a cet identifiant (déjà effacé ?)." },
                StatusCodes.Status404NotFound);
        return await kit.RenderAsync(http, "Subscriber", new SubscriberPageModel
        {
            Title = subscriber.Address, Menu = "abonnes", Subscriber = subscriber, Messages = await history.OfAsync(subscriber.Address, HistoryLength, cancellationToken),
            Bounces = await bounces.HistoryAsync(subscriber.Address, HistoryLength, cancellationToken), Zone = magazineTime.Zone, ConfirmErase = effacer == true,
        });
    }

    public static async Task<IResult> EraseAsync(string id, HttpContext http, SubscriberStore store, PersonalData personalData, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        if (await store.GetAsync(id, cancellationToken) is not { } subscriber)
            return DeskPageKit.Done(DeskRoutes.Subscribers, "efface");
        await SubscribersApi.EraseAsync(store, personalData, subscriber.Address, keepSuppression: form["oublier"] != "oui", loggers, cancellationToken);
        return DeskPageKit.Done(DeskRoutes.Subscribers, "efface");
    }

    public static Task ExportAsync(HttpContext http, SubscriberStore store, TimeProvider time, CancellationToken cancellationToken) =>
        SubscribersApi.Export(http, store, time, cancellationToken);

    /// <summary>Checks an uploaded file without writing anything; keeps it for "apply" and shows each row's outcome.</summary>
    public static async Task<IResult> CheckImportAsync(HttpContext http, SubscriberImports imports, DeskImportStore pending, IOptions<DeskOptions> options, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var file = form.Files.GetFile("fichier");
        var source = form["source"].ToString().Trim() is { Length: > 0 } s ? s : null;
        if (file is null || file.Length == 0)
            return await RenderListAsync(http, problem: "Choisissez un fichier CSV à vérifier.");
        string csv;
        try
        {
            using var reader = new StreamReader(file.OpenReadStream(), new UTF8Encoding(false, throwOnInvalidBytes: true));
            csv = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            return await RenderListAsync(http, problem: "Le fichier n’est pas en UTF-8 : enregistrez-le en « CSV UTF-8 » et recommencez.");
        }
        var (report, problem) = await imports.RunAsync(csv, source, dryRun: true, cancellationToken);
        if (report is null)
            return await RenderListAsync(http, problem: $"Fichier illisible : {problem}");
        var id = await pending.SaveAsync(http.User.Identity!.Name!, file.FileName, source, csv, options.Value.ImportRetention, cancellationToken);
        return await RenderListAsync(http, report: report, importId: id, importFile: file.FileName);
    }

    /// <summary>Applies the import checked before, exactly as checked (the kept file, not a new upload).</summary>
    public static async Task<IResult> ApplyImportAsync(string id, HttpContext http, SubscriberImports imports, DeskImportStore pending, IOptions<DeskOptions> options,
        CancellationToken cancellationToken)
    {
        if (await pending.TakeAsync(id, http.User.Identity!.Name!, options.Value.ImportRetention, cancellationToken) is not { } import)
            return await RenderListAsync(http, problem: "Cet import n’est plus disponible (déjà appliqué, ou vérifié il y a trop longtemps) : vérifiez le fichier à nouveau.");
        var (report, problem) = await imports.RunAsync(import.Csv, import.Source, dryRun: false, cancellationToken);
        return report is null
            ? await RenderListAsync(http, problem: $"Fichier illisible : {problem}")
            : await RenderListAsync(http, report: report, importFile: import.FileName, notice: "Import appliqué.");
    }

    private static async Task<IResult> RenderListAsync(HttpContext http, string? q = null, string? statut = null, string? rubrique = null, int page = 1,
        string? problem = null, SubscribersApi.ImportReport? report = null, string? importId = null, string? importFile = null, string? notice = null)
    {
        var services = http.RequestServices;
        var store = services.GetRequiredService<SubscriberStore>();
        var sections = services.GetRequiredService<IOptions<SubscribersOptions>>().Value.EffectiveSections;
        SubscriberStatus? status = EnumText.TryParse<SubscriberStatus>(statut, out var parsed) ? parsed : null;
        var section = string.IsNullOrWhiteSpace(rubrique) ? null : rubrique;
        var found = await store.ListAsync(new SubscriberQuery { Search = q, Status = status, Section = section, Page = Math.Clamp(page, 1, 100_000), PageSize = PageSize }, http.RequestAborted);
        var query = string.Join("&", new[] { ("q", q), ("statut", status is null ? null : EnumText.Of(status.Value)), ("rubrique", section) }
            .Where(p => !string.IsNullOrWhiteSpace(p.Item2)).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return await services.GetRequiredService<DeskPageKit>().RenderAsync(http, "Subscribers", new SubscribersPageModel
        {
            Title = "Abonnés", Menu = "abonnes", Problem = problem, Notice = notice,
            Counts = await store.CountsAsync(sections, http.RequestAborted), Found = found, Search = q, Status = status is null ? null : EnumText.Of(status.Value),
            Section = section, Sections = sections, Zone = services.GetRequiredService<MagazineTime>().Zone,
            PageLink = DeskRoutes.Subscribers + "?" + (query.Length == 0 ? "" : query + "&") + "page=",
            Report = report, ImportId = importId, ImportFile = importFile,
        }, problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }
}
