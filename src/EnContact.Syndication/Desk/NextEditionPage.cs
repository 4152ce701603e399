using System.Security.Claims;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

public sealed record NextEditionPageModel : DeskPageModel
{
    /// <summary>The edition waiting for approval; null when the page shows the next edition as it stands (not built yet).</summary>
    public EditionSummary? Edition { get; init; }
    public DigestSnapshot? Snapshot { get; init; }
    /// <summary>Why there is nothing to show (nothing new since the last edition).</summary>
    public string? Nothing { get; init; }
    public IReadOnlyList<ArticleChange> Changes { get; init; } = [];
    public required IReadOnlyList<string> Sections { get; init; }
    public IReadOnlyList<string> ChosenSections { get; init; } = [];
    public string? Subscriber { get; init; }
    /// <summary>The preview shows a paying member's copy (premium articles in full or linked).</summary>
    public bool MemberCopy { get; init; }
    public required string PreviewUrl { get; init; }
    public DateTimeOffset? NextFireAt { get; init; }
    public required TimeZoneInfo Zone { get; init; }
    public bool RequireApproval { get; init; }
    /// <summary>An edition whose letter failed the checks before sending: released or overridden from this page.</summary>
    public EditionSummary? Held { get; init; }
    /// <summary>The checks of the letter shown, as they come out now; null when there is no letter.</summary>
    public GateReport? Checks { get; init; }
    /// <summary>Whether the signed-in staff member may send a held edition despite its checks (administrators only).</summary>
    public bool CanOverride { get; init; }
}

/// <summary>
/// The letter as readers will get it: the edition waiting for approval (else the next one as it stands),
/// rendered by <see cref="DigestRenderer"/> for a set of sections or one subscriber, its articles and what
/// changed since it was built; approve, rebuild, discard and a test copy to oneself, all through <see cref="DigestEditions"/>.
/// </summary>
public static class NextEditionPage
{
    public static Task<IResult> ShowAsync(HttpContext http) => RenderAsync(http, null, StatusCodes.Status200OK);

    private static async Task<IResult> RenderAsync(HttpContext http, string? problem, int status)
    {
        var services = http.RequestServices;
        var (kit, editions, store, schedule) = (services.GetRequiredService<DeskPageKit>(), services.GetRequiredService<DigestEditions>(),
            services.GetRequiredService<DigestStore>(), services.GetRequiredService<DigestSchedule>());
        var subscribers = services.GetRequiredService<IOptions<SubscribersOptions>>();
        var digest = services.GetRequiredService<IOptions<DigestOptions>>();
        var time = services.GetRequiredService<TimeProvider>();
        var cancellationToken = http.RequestAborted;
        var (subscriber, chosen, member) = Audience(http);
        var waitingKey = await editions.WaitingEditionKeyAsync(cancellationToken);
        var held = (await store.WithStatusAsync(EditionStatus.Held, cancellationToken)).FirstOrDefault();
        var shownKey = waitingKey ?? held?.Key;
        var (snapshot, nothing) = await editions.ShownAsync(shownKey, cancellationToken);
        var edition = waitingKey is null ? null : (await store.GetAsync(waitingKey, cancellationToken))?.Edition;
        var (checks, _, _) = snapshot is null ? default : await editions.CheckAsync(shownKey, cancellationToken);
        var query = new List<string>();
        if (shownKey is not null)
            query.Add("edition=" + Uri.EscapeDataString(shownKey));
        if (subscriber is not null)
            query.Add("abonne=" + Uri.EscapeDataString(subscriber));
        query.AddRange(chosen.Select(s => "rubrique=" + Uri.EscapeDataString(s)));
        if (member)
            query.Add("membre=1");
        return await kit.RenderAsync(http, "NextEdition", new NextEditionPageModel
        {
            Title = "Prochaine lettre", Menu = "lettre", Problem = problem,
            Edition = edition, Snapshot = snapshot, Nothing = snapshot is null ? nothing : null,
            Changes = waitingKey is null ? [] : await editions.ChangesAsync(waitingKey, cancellationToken),
            Sections = subscribers.Value.EffectiveSections, ChosenSections = chosen, Subscriber = subscriber, MemberCopy = member,
            PreviewUrl = DeskRoutes.NextEdition + "/lettre/apercu" + (query.Count == 0 ? "" : "?" + string.Join("&", query)),
            NextFireAt = schedule.Next(time.GetUtcNow()), Zone = schedule.Zone, RequireApproval = digest.Value.RequireApproval,
            Held = held, Checks = checks, CanOverride = http.User.IsInRole(EnumText.Of(StaffRole.Administrator)),
        }, status);
    }

    /// <summary>
    /// The letter itself, for the page's frame: served with a CSP sandbox (no script, no form, an origin of
    /// its own) and framed only by the desk, so the letter's HTML can do nothing to the desk around it.
    /// </summary>
    public static async Task<IResult> PreviewAsync(HttpContext http, DigestEditions editions, string? edition, CancellationToken cancellationToken)
    {
        var (subscriber, chosen, member) = Audience(http);
        var (snapshot, problem) = await editions.ShownAsync(edition, cancellationToken);
        string html;
        if (snapshot is null)
            html = Note("Rien à montrer : aucun article pour la prochaine lettre pour l’instant.");
        else
        {
            var (digest, empty) = await editions.PreviewAsync(snapshot, subscriber, cancellationToken, chosen.Count == 0 ? null : chosen, member);
            html = digest?.Html ?? Note(empty!.StartsWith("subscriber:", StringComparison.Ordinal)
                ? "Aucun abonné n’a cette adresse."
                : "Ces lecteurs ne recevraient rien cette semaine : aucun article dans leurs rubriques.");
        }
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    public static async Task<IResult> ApproveAsync(string key, HttpContext http, DigestEditions editions, CancellationToken cancellationToken) =>
        await editions.ApproveAsync(key, cancellationToken) switch
        {
            null => await ProblemAsync(http, "Impossible : cette édition n’attend plus de validation."),
            { Status: EditionStatus.Held } => DeskPageKit.Done(DeskRoutes.NextEdition, "retenue"),
            _ => DeskPageKit.Done(DeskRoutes.Editions, "approuvee"),
        };

    public static Task<IResult> RebuildAsync(string key, HttpContext http, DigestEditions editions, CancellationToken cancellationToken) =>
        ActAsync(http, async () => (await editions.RebuildAsync(key, cancellationToken)).Problem is { } problem
            ? problem.Contains("MinimumItems", StringComparison.Ordinal) ? "contiendrait trop peu d’articles aujourd’hui : rejetez-la plutôt" : "n’attend plus de validation"
            : null, "reconstruite", DeskRoutes.NextEdition);

    public static Task<IResult> DiscardAsync(string key, HttpContext http, DigestEditions editions, CancellationToken cancellationToken) =>
        ActAsync(http, async () => (await editions.DiscardAsync(key, cancellationToken)).Problem is null ? null : "n’attend plus de validation", "rejetee", DeskRoutes.NextEdition);

    /// <summary>Checks a held edition's letter again (its cause fixed) and sends it if it now passes.</summary>
    public static Task<IResult> ReleaseAsync(string key, HttpContext http, DigestEditions editions, CancellationToken cancellationToken) =>
        ReleasedAsync(http, key, null, editions, cancellationToken);

    /// <summary>Sends a held edition despite its failed checks: administrators only, with a reason recorded on the edition.</summary>
    public static async Task<IResult> OverrideAsync(string key, HttpContext http, DigestEditions editions, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        return await ReleasedAsync(http, key, form["motif"].ToString(), editions, cancellationToken);
    }

    private static async Task<IResult> ReleasedAsync(HttpContext http, string key, string? reason, DigestEditions editions, CancellationToken cancellationToken)
    {
        var by = $"{http.User.Identity?.Name} <{http.User.FindFirstValue(StaffMember.EmailClaim)}> at the desk";
        var (edition, problem) = await editions.ReleaseAsync(key, reason, by, cancellationToken);
        if (edition is null)
            return await ProblemAsync(http, problem!.StartsWith("override:", StringComparison.Ordinal)
                ? $"Donnez le motif en une ligne de 1 à {DigestEditions.MaxOverrideReason} caractères."
                : "Impossible : cette édition n’est plus retenue.");
        return edition.Status == EditionStatus.Held
            ? await ProblemAsync(http, "Les contrôles échouent toujours : corrigez la cause (voir ci-dessous) ou, administrateur, envoyez-la malgré tout avec un motif.")
            : DeskPageKit.Done(DeskRoutes.Editions, reason is null ? "liberee" : "forcee");
    }

    /// <summary>A test copy of the letter shown on the page, to the signed-in staff member's own address.</summary>
    public static async Task<IResult> SendTestAsync(HttpContext http, DigestEditions editions, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var key = form["edition"].ToString() is { Length: > 0 } k ? k : null;
        var (campaign, _) = await editions.QueueTestCopyAsync(http.User.FindFirstValue(StaffMember.EmailClaim) ?? "", key, cancellationToken);
        return campaign is null ? await ProblemAsync(http, "Rien à envoyer : la lettre ne contient aucun article.") : DeskPageKit.Done(DeskRoutes.NextEdition, "test-envoye");
    }

    private static async Task<IResult> ActAsync(HttpContext http, Func<Task<string?>> act, string notice, string then) =>
        await act() is { } problem ? await ProblemAsync(http, $"Impossible : cette édition {problem}.") : DeskPageKit.Done(then, notice);

    private static Task<IResult> ProblemAsync(HttpContext http, string problem) => RenderAsync(http, problem, StatusCodes.Status409Conflict);

    /// <summary>Whose copy to show: one subscriber (<c>abonne</c>), else the readers of the sections ticked (<c>rubrique</c>), else everyone.</summary>
    /// <summary>Whose copy the preview shows: a subscriber's (their sections, and a member's copy if they are one), or chosen sections' readers', members or not.</summary>
    private static (string? Subscriber, IReadOnlyList<string> Sections, bool Member) Audience(HttpContext http)
    {
        var subscriber = http.Request.Query["abonne"].ToString().Trim();
        var sections = http.Request.Query["rubrique"].OfType<string>().Where(s => s.Length > 0).Distinct().ToList();
        return (subscriber.Length > 0 ? subscriber : null, sections, http.Request.Query["membre"] == "1");
    }

    private static string Note(string text) =>
        $"<!DOCTYPE html><html lang=\"fr\"><meta charset=\"utf-8\"><body style=\"font:15px system-ui,sans-serif;color:#444;padding:2rem\"><p>{HtmlText.Encode(text)}</p></body></html>";
}
