using EnContact.Syndication.Delivery;
using EnContact.Syndication.Templating;

namespace EnContact.Syndication.Subscribers;

/// <summary>pages/ManageLinks.cshtml: "send me my links" — the form, or (<see cref="Sent"/>) the one answer to it.</summary>
public sealed record ManageLinksPageModel : PageModel
{
    public required CsrfField Csrf { get; init; }
    public string? Email { get; init; }
    public string? Error { get; init; }
    public bool Sent { get; init; }
    public string HoneypotField { get; init; } = SubscriptionPages.HoneypotField;
}

/// <summary>
/// A reader whose link broke (expired, cut, lost) asks for their preferences and unsubscribe links by
/// mail. The answer is the same whether or not the address is subscribed, so the form tells nobody who
/// reads the letter; the links go only to a confirmed subscriber's own address.
/// </summary>
public static class ManageLinksPages
{
    public const string Path = "/links";

    public static IEndpointRouteBuilder MapManageLinks(this IEndpointRouteBuilder pages)
    {
        pages.MapGet(Path, ShowForm).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapPost(Path, SendLinks).RequireRateLimiting(SubscriptionPages.SubscribeRateLimit).DisableAntiforgery();
        return pages;
    }

    private static Task<IResult> ShowForm(HttpContext http, SubscriptionPageKit pages) =>
        pages.RenderAsync(http, "ManageLinks", new ManageLinksPageModel { Chrome = pages.Chrome, Title = "Recevoir vos liens", Csrf = pages.Csrf(http) });

    private static async Task<IResult> SendLinks(HttpContext http, SubscriptionPageKit pages, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        if (!await pages.IsFormValidAsync(http))
            return await pages.ProblemAsync(http, LinkProblem.FormExpired, StatusCodes.Status400BadRequest);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var sent = new ManageLinksPageModel { Chrome = pages.Chrome, Title = "Vérifiez votre messagerie", Csrf = pages.Csrf(http), Sent = true };
        if (!string.IsNullOrEmpty(form[SubscriptionPages.HoneypotField]))
            return await pages.RenderAsync(http, "ManageLinks", sent);
        if (!MailInput.TryNormalizeAddress("email", form["email"], out var address, out _))
        {
            var error = SubscribeFormErrors.Of(new Dictionary<string, string[]> { ["email"] = [] }, form["email"], noSectionTicked: false)[0].Message;
            return await pages.RenderAsync(http, "ManageLinks", new ManageLinksPageModel
            {
                Chrome = pages.Chrome, Title = "Recevoir vos liens", Csrf = pages.Csrf(http), Email = form["email"], Error = error,
            }, StatusCodes.Status400BadRequest);
        }
        await subscriptions.SendManagementLinksAsync(address, cancellationToken);
        return await pages.RenderAsync(http, "ManageLinks", sent);
    }
}
