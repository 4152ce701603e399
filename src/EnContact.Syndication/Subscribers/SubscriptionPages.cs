using System.Text.Json;
using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// The public side of subscriptions: HTML pages (from templates/pages) and a JSON endpoint.
/// GET only ever shows; POST acts. Forms carry an anti-forgery field, except the RFC 8058 one-click
/// POST that mailbox providers send without cookies. Every answer to a subscription request is the
/// same, whatever the address's state.
/// </summary>
public static class SubscriptionPages
{
    public const string HoneypotField = "website";
    /// <summary>Hidden field of our own form: it lists the sections, so none ticked is a mistake to point out (an embedded form without them means all).</summary>
    public const string SectionsListedField = "sections-listed";
    public const string SubscribeRateLimit = "subscribe";
    private const string OneClickField = "List-Unsubscribe";

    public static IEndpointRouteBuilder MapSubscriptionPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").AddEndpointFilter<PublicBodyLimit>().WithTags("Subscriptions");
        pages.MapGet("/subscribe", ShowSubscribeForm).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapPost("/subscribe", Subscribe).RequireRateLimiting(SubscribeRateLimit).DisableAntiforgery();
        pages.MapMethods("/subscribe", [HttpMethods.Options], (HttpContext http, EmbeddedForms embedded) => embedded.Preflight(http)).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapManageLinks();
        pages.MapGet("/confirm/{token}", ShowConfirm).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapPost("/confirm/{token}", Confirm).RequireRateLimiting(SubscribeRateLimit).DisableAntiforgery();
        pages.MapGet("/preferences/{token}", ShowPreferences).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapPost("/preferences/{token}", SavePreferences).RequireRateLimiting(BaseSetup.PublicRateLimit).DisableAntiforgery();
        pages.MapPost("/preferences/{token}/feed-token", ChangeMemberFeeds).RequireRateLimiting(BaseSetup.PublicRateLimit).DisableAntiforgery();
        pages.MapGet("/unsubscribe/{token}", ShowUnsubscribe).RequireRateLimiting(BaseSetup.PublicRateLimit);
        pages.MapPost("/unsubscribe/{token}", Unsubscribe).RequireRateLimiting(BaseSetup.PublicRateLimit).DisableAntiforgery();
        return app;
    }

    /// <summary>The JSON form of a subscription request.</summary>
    public sealed record SubscribeJson(string? Email, string? Name, string[]? Sections);

    private static readonly JsonSerializerOptions StrictJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static async Task<IResult> ShowSubscribeForm(HttpContext http, SubscriptionPageKit pages) =>
        await pages.RenderAsync(http, "Subscribe", new SubscribePageModel
        {
            Chrome = pages.Chrome, Title = "S’abonner", Csrf = pages.Csrf(http), Indexable = true,
            Sections = pages.Options.EffectiveSections.Select(s => new SectionChoice(s, true)).ToList(),
        });

    /// <summary>
    /// A sign-up from our page (anti-forgery field required) or from the form embedded on a listed
    /// origin's pages (no cookie can come along; the origin allow-list, the honeypot, the rate limits
    /// and the double opt-in protect it). Any other origin is refused.
    /// </summary>
    private static async Task<IResult> Subscribe(HttpContext http, SubscriptionPageKit pages, SubscriptionService subscriptions, EmbeddedForms embedded, CancellationToken cancellationToken)
    {
        var origin = embedded.Classify(http.Request);
        if (http.Request.HasJsonContentType())
        {
            if (origin == FormOrigin.Foreign)
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed",
                    detail: "Pages of this origin may not sign readers up; list it in Subscribers:EmbedOrigins.");
            embedded.AllowCors(http);
            return await SubscribeJsonAsync(http, subscriptions, cancellationToken);
        }
        if (!http.Request.HasFormContentType)
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: "Send the form (application/x-www-form-urlencoded) or JSON (application/json) with email, name and sections.");
        if (origin == FormOrigin.Foreign)
        {
            pages.Logger.LogInformation("Sign-up form posted from {Origin}, which is not in Subscribers:EmbedOrigins; refused", EmbeddedForms.OriginOf(http.Request));
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden); // the error page explains, in French
        }
        if (origin != FormOrigin.Listed && !await pages.IsFormValidAsync(http))
            return await pages.ProblemAsync(http, LinkProblem.FormExpired, StatusCodes.Status400BadRequest);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var checkInbox = new CheckInboxPageModel { Chrome = pages.Chrome, Title = "Vérifiez votre messagerie" };
        if (!string.IsNullOrEmpty(form[HoneypotField]))
        {
            // A robot filled the field people cannot see: same answer, nothing done.
            pages.Logger.LogInformation("Subscription form with the honeypot field filled in; ignored");
            return await pages.RenderAsync(http, "CheckInbox", checkInbox);
        }
        var sections = form["sections"].OfType<string>().ToList();
        // Our form lists the sections; one posted with none ticked asks for an empty letter. An embedded
        // form without the list asks for every section.
        var listed = form[SectionsListedField] == "1";
        var request = subscriptions.Validate(form["email"], form["name"], sections, origin == FormOrigin.Listed ? "embedded form" : "web form", out var problems);
        if (request is null || (listed && sections.Count == 0))
        {
            // The form again, as the reader left it: the address, the name, exactly the sections ticked.
            return await pages.RenderAsync(http, "Subscribe", new SubscribePageModel
            {
                Chrome = pages.Chrome, Title = "S’abonner", Csrf = pages.Csrf(http), Email = form["email"], Name = form["name"],
                Errors = SubscribeFormErrors.Of(problems, form["email"], noSectionTicked: listed && sections.Count == 0),
                Sections = pages.Options.EffectiveSections
                    .Select(s => new SectionChoice(s, listed ? sections.Contains(s, StringComparer.OrdinalIgnoreCase) : sections.Count == 0 || sections.Contains(s, StringComparer.OrdinalIgnoreCase)))
                    .ToList(),
            }, StatusCodes.Status400BadRequest);
        }
        await subscriptions.RequestAsync(request, cancellationToken);
        return await pages.RenderAsync(http, "CheckInbox", checkInbox);
    }

    private static async Task<IResult> SubscribeJsonAsync(HttpContext http, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        SubscribeJson? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<SubscribeJson>(http.Request.Body, StrictJson, cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON",
                detail: $"The body is not a subscription request: {e.Message}");
        }
        var request = subscriptions.Validate(body?.Email, body?.Name, body?.Sections, "api", out var problems);
        if (request is null)
            return TypedResults.ValidationProblem(problems);
        await subscriptions.RequestAsync(request, cancellationToken);
        return TypedResults.Accepted((string?)null, new { message = "If this address can receive our letter, a message is on its way to it. Follow its link to confirm." });
    }

    private static async Task<IResult> ShowConfirm(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, CancellationToken cancellationToken)
    {
        var (subscriber, problem) = await pages.SubscriberOfAsync(http, token, TokenPurpose.Confirm, store, cancellationToken, offerResend: true);
        if (subscriber is null)
            return problem!;
        pages.Tokens.Read(token, TokenPurpose.Confirm, out var claims);
        // What this link would confirm is what its own request asked for: shown, so a reader can tell a request that was not theirs.
        if (await store.PendingChoicesAsync(subscriber.Id, claims.Nonce, cancellationToken) is not { } choices)
            return SubscriptionPageKit.IsSubscribed(subscriber)
                ? await pages.AlreadyConfirmedAsync(http)
                : await pages.ProblemAsync(http, LinkProblem.Used, StatusCodes.Status410Gone);
        return await pages.RenderAsync(http, "Confirm", new ConfirmPageModel
        {
            Chrome = pages.Chrome, Title = "Confirmer votre abonnement", Csrf = pages.Csrf(http), Address = subscriber.Address,
            Name = choices.Name, Sections = choices.Sections,
        });
    }

    private static async Task<IResult> Confirm(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, SubscriptionService subscriptions,
        AddressRateLimiter perAddress, CancellationToken cancellationToken)
    {
        if (!await pages.IsFormValidAsync(http))
            return await pages.ProblemAsync(http, LinkProblem.FormExpired, StatusCodes.Status400BadRequest);
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var state = pages.Tokens.Read(token, TokenPurpose.Confirm, out var claims);
        if (form["action"] == "resend" && state is TokenState.Expired or TokenState.Valid)
        {
            await subscriptions.ResendConfirmationAsync(claims.SubscriberId, claims.Nonce, cancellationToken);
            return await pages.RenderAsync(http, "CheckInbox", new CheckInboxPageModel { Chrome = pages.Chrome, Title = "Vérifiez votre messagerie" });
        }
        if (state != TokenState.Valid)
            return await pages.TokenProblemAsync(http, state, offerResend: true);
        if (!perAddress.TryAcquire(claims.SubscriberId))
        {
            // The per-address window is an hour: the error page tells the reader when to come back.
            http.Response.Headers.RetryAfter = "3600";
            return TypedResults.StatusCode(StatusCodes.Status429TooManyRequests);
        }
        switch (await store.ConfirmAsync(claims.SubscriberId, claims.Nonce, cancellationToken))
        {
            case ConfirmOutcome.Confirmed:
                http.RequestServices.GetRequiredService<SubscriberMetrics>().Record(SubscriberMetrics.Confirmed);
                pages.Logger.LogInformation("Subscriber {Subscriber} confirmed", claims.SubscriberId);
                return await pages.ConfirmedAsync(http, claims.SubscriberId);
            case ConfirmOutcome.AlreadyConfirmed:
                return await pages.AlreadyConfirmedAsync(http);
            case ConfirmOutcome.Used:
                return await pages.ProblemAsync(http, LinkProblem.Used, StatusCodes.Status410Gone);
            default:
                return await pages.TokenProblemAsync(http, TokenState.Invalid);
        }
    }

    private static async Task<IResult> ShowPreferences(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, CancellationToken cancellationToken)
    {
        var (subscriber, problem) = await pages.SubscriberOfAsync(http, token, TokenPurpose.Preferences, store, cancellationToken);
        if (subscriber is null)
            return problem!;
        return SubscriptionPageKit.IsSubscribed(subscriber)
            ? await pages.PreferencesAsync(http, token, subscriber, saved: false, error: null)
            : await pages.ProblemAsync(http, LinkProblem.NotSubscribed, StatusCodes.Status200OK);
    }

    private static async Task<IResult> SavePreferences(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var (subscriber, refused) = await SubscribedFromFormAsync(token, http, pages, store, cancellationToken);
        if (subscriber is null)
            return refused!;

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var chosen = form["sections"].OfType<string>().ToList();
        var paused = form["paused"] is { Count: > 0 } value && value != "false";
        if (chosen.Count == 0)
            return await pages.PreferencesAsync(http, token, subscriber with { Sections = [] }, saved: false,
                error: "Choisissez au moins une rubrique, ou désabonnez-vous.", StatusCodes.Status400BadRequest);
        var sections = subscriptions.CheckSections(chosen, out var problem);
        if (problem is not null)
            return await pages.PreferencesAsync(http, token, subscriber, saved: false, error: problem, StatusCodes.Status400BadRequest);
        var updated = await store.UpdatePreferencesAsync(subscriber.Id, sections, paused, cancellationToken);
        if (updated is null)
            return await pages.ProblemAsync(http, LinkProblem.NotSubscribed, StatusCodes.Status200OK);
        pages.Logger.LogInformation("Subscriber {Subscriber} changed preferences: {Sections}, paused {Paused}", subscriber.Id,
            sections is null ? "all sections" : string.Join(", ", sections), paused);
        return await pages.PreferencesAsync(http, token, updated, saved: true, error: null);
    }

    /// <summary>The subscriber a preferences form was posted for: the form's anti-forgery field and link valid, the subscription active; else the page that says what is wrong.</summary>
    private static async Task<(Subscriber? Subscriber, IResult? Refused)> SubscribedFromFormAsync(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store,
        CancellationToken cancellationToken)
    {
        if (!await pages.IsFormValidAsync(http))
            return (null, await pages.ProblemAsync(http, LinkProblem.FormExpired, StatusCodes.Status400BadRequest));
        var (subscriber, linkProblem) = await pages.SubscriberOfAsync(http, token, TokenPurpose.Preferences, store, cancellationToken);
        if (subscriber is null)
            return (null, linkProblem!);
        if (!SubscriptionPageKit.IsSubscribed(subscriber))
            return (null, await pages.ProblemAsync(http, LinkProblem.NotSubscribed, StatusCodes.Status200OK));
        return (subscriber, null);
    }

    /// <summary>
    /// A member asks for new private feed addresses (the old ones may have leaked): the old ones stop at
    /// once. Same checks as saving preferences (anti-forgery field, a valid preferences link). Anyone
    /// else gets the preferences page unchanged, as if there were no such button.
    /// </summary>
    private static async Task<IResult> ChangeMemberFeeds(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, CancellationToken cancellationToken)
    {
        var (subscriber, refused) = await SubscribedFromFormAsync(token, http, pages, store, cancellationToken);
        if (subscriber is null)
            return refused!;
        if (await pages.ActiveMemberAsync(subscriber, cancellationToken) is not { } member)
            return await pages.PreferencesAsync(http, token, subscriber, saved: false, error: null);
        await pages.Members.RotateTokenAsync(member.ExternalId, cancellationToken);
        pages.Logger.LogInformation("Member {ExternalId} changed their private feed addresses from the preferences page", member.ExternalId);
        return await pages.PreferencesAsync(http, token, subscriber, saved: false, error: null, feedsChanged: true);
    }

    private static async Task<IResult> ShowUnsubscribe(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, CancellationToken cancellationToken)
    {
        var (subscriber, problem) = await pages.SubscriberOfAsync(http, token, TokenPurpose.Unsubscribe, store, cancellationToken);
        if (subscriber is null)
            return problem!;
        if (subscriber.Status == SubscriberStatus.Unsubscribed)
            return await pages.UnsubscribedAsync(http);
        return await pages.RenderAsync(http, "Unsubscribe", new UnsubscribePageModel
        {
            Chrome = pages.Chrome, Title = "Se désabonner", Csrf = pages.Csrf(http), Address = subscriber.Address,
        });
    }

    /// <summary>
    /// Unsubscribes at once: from the page's button (with its anti-forgery field) or as an RFC 8058
    /// one-click POST (body <c>List-Unsubscribe=One-Click</c>, no cookies): 200, no redirect. A link past
    /// its date still unsubscribes: stopping mail is always safe, and it must never fail the reader.
    /// </summary>
    private static async Task<IResult> Unsubscribe(string token, HttpContext http, SubscriptionPageKit pages, SubscriberStore store, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: "Send List-Unsubscribe=One-Click as application/x-www-form-urlencoded or multipart/form-data.");
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var oneClick = form[OneClickField] == "One-Click";
        if (!oneClick && !await pages.IsFormValidAsync(http))
            return await pages.ProblemAsync(http, LinkProblem.FormExpired, StatusCodes.Status400BadRequest);
        var state = pages.Tokens.Read(token, TokenPurpose.Unsubscribe, out var claims);
        if (state == TokenState.Invalid || !await store.UnsubscribeAsync(claims.SubscriberId, oneClick ? "unsubscribed (one-click)" : "unsubscribed (page)", cancellationToken))
            return oneClick
                ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid unsubscribe link", detail: "This link was not issued by us or was altered.")
                : await pages.TokenProblemAsync(http, TokenState.Invalid);
        http.RequestServices.GetRequiredService<SubscriberMetrics>().Record(SubscriberMetrics.Unsubscribed);
        pages.Logger.LogInformation("Subscriber {Subscriber} unsubscribed ({How})", claims.SubscriberId, oneClick ? "one-click" : "page");
        return oneClick ? TypedResults.Text("Désabonnement enregistré.\n", "text/plain; charset=utf-8") : await pages.UnsubscribedAsync(http);
    }
}
