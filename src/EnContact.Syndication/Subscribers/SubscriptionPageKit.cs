using EnContact.Syndication.Members;
using EnContact.Syndication.Templating;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>What the handlers share: rendering with the chrome and security headers, the anti-forgery field, tokens.</summary>
public sealed class SubscriptionPageKit(
    PageRenderer pages, IAntiforgery antiforgery, SubscriberTokens tokens, SubscriberLinks links,
    IOptions<SubscribersOptions> options, MemberStore members, MemberFeedLinks memberFeeds, TimeProvider time, ILogger<SubscriptionPageKit> logger)
{
    public SubscribersOptions Options => options.Value;
    public SubscriberTokens Tokens => tokens;
    public ILogger Logger => logger;
    public PageChrome Chrome => pages.Chrome;

    public CsrfField Csrf(HttpContext http)
    {
        var set = antiforgery.GetAndStoreTokens(http);
        return new CsrfField(set.FormFieldName, set.RequestToken!);
    }

    public Task<bool> IsFormValidAsync(HttpContext http) =>
        http.Request.HasFormContentType ? antiforgery.IsRequestValidAsync(http) : Task.FromResult(false);

    public Task<IResult> RenderAsync<TModel>(HttpContext http, string page, TModel model, int status = StatusCodes.Status200OK) =>
        pages.RenderAsync(http, page, model, status);

    /// <summary>The subscriber a valid link of <paramref name="purpose"/> names; else the page that says what is wrong with the link.</summary>
    public async Task<(Subscriber? Subscriber, IResult? Problem)> SubscriberOfAsync(HttpContext http, string token, TokenPurpose purpose, SubscriberStore store,
        CancellationToken cancellationToken, bool offerResend = false)
    {
        var state = tokens.Read(token, purpose, out var claims);
        if (state != TokenState.Valid)
            return (null, await TokenProblemAsync(http, state, offerResend));
        return await store.GetAsync(claims.SubscriberId, cancellationToken) is { } subscriber
            ? (subscriber, null)
            : (null, await TokenProblemAsync(http, TokenState.Invalid));
    }

    /// <summary>The preferences link of someone who is no longer (or not yet) subscribed.</summary>
    public static bool IsSubscribed(Subscriber subscriber) => subscriber.Status is SubscriberStatus.Active or SubscriberStatus.Paused;

    public Task<IResult> TokenProblemAsync(HttpContext http, TokenState state, bool offerResend = false) =>
        state == TokenState.Expired
            ? ProblemAsync(http, LinkProblem.Expired, StatusCodes.Status410Gone, offerResend)
            : ProblemAsync(http, LinkProblem.Invalid, StatusCodes.Status400BadRequest);

    public Task<IResult> ProblemAsync(HttpContext http, LinkProblem problem, int status, bool offerResend = false) =>
        RenderAsync(http, "LinkProblem", new LinkProblemPageModel
        {
            Chrome = Chrome, Problem = problem,
            Title = problem switch { LinkProblem.FormExpired => "Formulaire expiré", LinkProblem.UnreadableForm => "Formulaire illisible", _ => "Lien inutilisable" },
            SubscribePath = links.Path("subscribe"), ResendCsrf = offerResend ? Csrf(http) : null,
            LinksCsrf = problem is LinkProblem.FormExpired or LinkProblem.UnreadableForm || offerResend ? null : Csrf(http),
            LinksPath = links.Path(ManageLinksPages.Path.TrimStart('/')),
        }, status);

    /// <summary>Right after confirming: the preferences link, shown this once.</summary>
    public Task<IResult> ConfirmedAsync(HttpContext http, string subscriberId) =>
        RenderAsync(http, "Confirmed", new ConfirmedPageModel { Chrome = Chrome, Title = "Abonnement confirmé", PreferencesUrl = links.PreferencesUrl(subscriberId) });

    /// <summary>A used confirmation link: says so, and hands out no link (a capability) to whoever holds it.</summary>
    public Task<IResult> AlreadyConfirmedAsync(HttpContext http) =>
        RenderAsync(http, "Confirmed", new ConfirmedPageModel { Chrome = Chrome, Title = "Abonnement déjà confirmé", PreferencesUrl = null });

    public Task<IResult> UnsubscribedAsync(HttpContext http) =>
        RenderAsync(http, "Unsubscribed", new UnsubscribedPageModel { Chrome = Chrome, Title = "Désabonnement enregistré", SubscribePath = links.Path("subscribe") });

    /// <summary>
    /// The preferences page of the subscriber whose preferences link is <paramref name="token"/>. When the
    /// address is an active member's, it also shows the member's private feed addresses and a button to
    /// change them; for everyone else the page is exactly as it always was.
    /// </summary>
    public async Task<IResult> PreferencesAsync(HttpContext http, string token, Subscriber subscriber, bool saved, string? error,
        int status = StatusCodes.Status200OK, bool feedsChanged = false)
    {
        var member = await ActiveMemberAsync(subscriber, http.RequestAborted);
        return await RenderAsync(http, "Preferences", new PreferencesPageModel
        {
            Chrome = Chrome, Title = "Vos préférences", Csrf = Csrf(http), Address = subscriber.Address,
            Sections = Options.EffectiveSections.Select(s => new SectionChoice(s, subscriber.Sections is null || subscriber.Sections.Contains(s))).ToList(),
            Paused = subscriber.Status == SubscriberStatus.Paused, UnsubscribePath = links.UnsubscribeLocalPath(subscriber.Id), Saved = saved, Error = error,
            MemberFeeds = member is null ? null : memberFeeds.For(member),
            ChangeFeedsPath = member is null ? null : links.Path($"preferences/{token}/feed-token"),
            FeedsChanged = feedsChanged && member is not null,
        }, status);
    }

    /// <summary>The active member whose address is the subscriber's, if any.</summary>
    public Task<Member?> ActiveMemberAsync(Subscriber subscriber, CancellationToken cancellationToken) =>
        members.FindActiveByAddressAsync(subscriber.Address, time.GetUtcNow(), cancellationToken);

    public MemberStore Members => members;
}
