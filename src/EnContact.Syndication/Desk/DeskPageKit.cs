using System.Security.Claims;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Templating;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

/// <summary>
/// What every desk handler shares: rendering a page of <c>templates/admin/</c> inside its layout (who
/// is signed in, the waiting edition's banner, the notice of the last action, the anti-forgery field),
/// the desk's security headers, and the redirect that follows every action (POST, then GET).
/// </summary>
public sealed class DeskPageKit(TemplateRenderer templates, IAntiforgery antiforgery, DigestStore editions, IOptions<SiteOptions> site)
{
    /// <summary>The notices an action may leave, by the code its redirect carries (never text from the request).</summary>
    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["approuvee"] = "Édition approuvée : elle part maintenant.",
        ["reconstruite"] = "Édition reconstruite avec les articles tels qu’ils sont.",
        ["rejetee"] = "Édition rejetée : ses articles iront dans la suivante.",
        ["retenue"] = "Édition approuvée mais retenue : les contrôles avant l’envoi échouent (voir ci-dessous).",
        ["liberee"] = "Contrôles passés : l’édition part maintenant.",
        ["forcee"] = "Édition envoyée malgré les contrôles ; votre motif est enregistré avec elle.",
        ["test-envoye"] = "Copie de test envoyée à votre adresse.",
        ["en-pause"] = "Envoi mis en pause.",
        ["repris"] = "Envoi repris.",
        ["annule"] = "Envoi annulé : les messages en attente ne partiront pas.",
        ["flux-reconstruits"] = "Flux reconstruits.",
        ["import-applique"] = "Import appliqué.",
        ["efface"] = "Abonné effacé.",
        ["deconnecte"] = "Vous êtes déconnecté.",
    };

    public static bool IsNotice(string code) => Notices.ContainsKey(code);

    public string SiteTitle => site.Value.Title;

    public CsrfField Csrf(HttpContext http)
    {
        var set = antiforgery.GetAndStoreTokens(http);
        return new CsrfField(set.FormFieldName, set.RequestToken!);
    }

    public Task<bool> IsFormValidAsync(HttpContext http) =>
        http.Request.HasFormContentType ? antiforgery.IsRequestValidAsync(http) : Task.FromResult(false);

    public static StaffView? Staff(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: DeskAuthentication.Scheme, Name: { } name }
            ? new StaffView(name, user.FindFirstValue(StaffMember.EmailClaim) ?? "", user.IsInRole(EnumText.Of(StaffRole.Administrator)))
            : null;

    /// <summary>Renders <c>admin/{page}.cshtml</c> with the layout's data filled in.</summary>
    public async Task<IResult> RenderAsync<TModel>(HttpContext http, string page, TModel model, int status = StatusCodes.Status200OK) where TModel : DeskPageModel
    {
        var staff = Staff(http.User);
        WaitingBanner? waiting = null;
        if (staff is not null && (await editions.WithStatusAsync(EditionStatus.AwaitingApproval, http.RequestAborted)).FirstOrDefault() is { } edition)
            waiting = new WaitingBanner(edition.Key, edition.Number, edition.ItemCount);
        else if (staff is not null && (await editions.WithStatusAsync(EditionStatus.Held, http.RequestAborted)).FirstOrDefault() is { } held)
            waiting = new WaitingBanner(held.Key, held.Number, held.ItemCount, Held: true);
        var code = http.Request.Query["fait"].ToString();
        var filled = (TModel)(((DeskPageModel)model) with
        {
            SiteTitle = site.Value.Title,
            Staff = staff,
            Csrf = Csrf(http),
            Waiting = waiting,
            Notice = model.Notice ?? Notices.GetValueOrDefault(code),
        });
        return Html(http, await templates.RenderAsync($"admin/{page}.cshtml", filled), status);
    }

    /// <summary>After an action: back to a desk page, with the code of the notice to show.</summary>
    public static IResult Done(string path, string notice) =>
        TypedResults.Redirect(path + (path.Contains('?') ? "&" : "?") + "fait=" + Uri.EscapeDataString(notice));

    /// <summary>
    /// A desk page: never cached, never indexed, no Referer sent on, never framed; only the gateway's own
    /// styles, script and frames (the letter preview), and form posts to itself.
    /// </summary>
    public static IResult Html(HttpContext http, string html, int status = StatusCodes.Status200OK)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
