using EnContact.Syndication.Delivery;
using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// The consent flows: check what a visitor typed, record the request, and queue the right mail
/// (a confirmation, or "you are already subscribed" with the person's own links). Whatever the
/// address's state, the caller gets the same answer: nobody learns who is subscribed.
/// </summary>
public sealed class SubscriptionService(
    SubscriberStore store,
    SubscriberLinks links,
    OutboxStore outbox,
    TemplateRenderer templates,
    AddressRateLimiter perAddress,
    PersonalData personalData,
    IOptions<SubscribersOptions> options,
    IOptions<SiteOptions> site,
    TimeProvider time,
    SubscriberMetrics metrics,
    ILogger<SubscriptionService> logger)
{
    /// <summary>
    /// Checks a subscription request. <paramref name="sections"/> empty or null means all sections.
    /// Problems are keyed by field (email, name, sections), each naming what is wrong.
    /// </summary>
    public SubscriptionRequest? Validate(string? email, string? name, IReadOnlyCollection<string>? sections, string source, out Dictionary<string, string[]> problems)
    {
        problems = [];
        if (!MailInput.TryNormalizeAddress("email", email, out var address, out var addressProblem))
            problems["email"] = [addressProblem];
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (MailInput.CheckHeaderText("name", cleanName, MailInput.MaxNameLength) is { } nameProblem)
            problems["name"] = [nameProblem];
        var chosen = CheckSections(sections, out var sectionProblem);
        if (sectionProblem is not null)
            problems["sections"] = [sectionProblem];
        return problems.Count == 0 ? new SubscriptionRequest(address, cleanName, chosen, source) : null;
    }

    /// <summary>Null (all sections) when none or all are chosen; the chosen ones in the configured order otherwise.</summary>
    public IReadOnlyList<string>? CheckSections(IReadOnlyCollection<string>? sections, out string? problem)
    {
        problem = null;
        var known = options.Value.EffectiveSections;
        if (sections is null || sections.Count == 0)
            return null;
        var unknown = sections.Where(s => !known.Contains(s, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            problem = $"sections: '{unknown[0]}' is not one of {string.Join(", ", known)}";
            return null;
        }
        var chosen = known.Where(k => sections.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        return chosen.Count == known.Count ? null : chosen;
    }

    /// <summary>Records a (valid) request and queues the mail it calls for, unless the address had enough mail for now.</summary>
    public async Task RequestAsync(SubscriptionRequest request, CancellationToken cancellationToken)
    {
        if (!perAddress.TryAcquire(request.Address))
        {
            metrics.Record(SubscriberMetrics.Throttled);
            logger.LogWarning("Subscription requests for {Address} over Subscribers:RequestsPerHourPerAddress: not processed", personalData.LogId(request.Address));
            return;
        }
        var settings = options.Value;
        var plan = await store.PlanConfirmationAsync(request, settings.ConfirmationResendInterval, settings.MaxConfirmationsPerDay, cancellationToken);
        var who = personalData.LogId(request.Address);
        switch (plan.Mail)
        {
            case ConfirmationMail.Confirm:
                await QueueAsync("confirm", request.Address, plan.SendNumber, "email/Confirmation",
                    new ConfirmationMailModel(site.Value.Title, site.Value.BaseUrl, "{{confirm_url}}", (int)settings.ConfirmLinkLifetime.TotalHours),
                    new Dictionary<string, string> { ["confirm_url"] = links.ConfirmUrl(plan.SubscriberId, plan.Nonce!) }, cancellationToken);
                metrics.Record(SubscriberMetrics.ConfirmationQueued);
                logger.LogInformation("Subscription request for {Address} ({Source}): confirmation mail {Number} of today queued", who, request.Source, plan.SendNumber);
                break;
            case ConfirmationMail.AlreadySubscribed:
                await QueueAsync("already-subscribed", request.Address, plan.SendNumber, "email/AlreadySubscribed",
                    new AlreadySubscribedMailModel(site.Value.Title, site.Value.BaseUrl, "{{preferences_url}}", "{{unsubscribe_url}}"),
                    new Dictionary<string, string>
                    {
                        ["preferences_url"] = links.PreferencesUrl(plan.SubscriberId),
                        ["unsubscribe_url"] = links.UnsubscribeUrl(plan.SubscriberId),
                    }, cancellationToken);
                metrics.Record(SubscriberMetrics.AlreadySubscribed);
                logger.LogInformation("Subscription request for {Address}, already subscribed: reminder with their links queued", who);
                break;
            default:
                metrics.Record(SubscriberMetrics.NotMailed);
                logger.LogInformation("Subscription request for {Address}: no mail, {Count} sent today or the last one too recent", who, plan.SendNumber);
                break;
        }
    }

    /// <summary>
    /// Mails a confirmed subscriber (active or paused) their preferences and unsubscribe links; any other
    /// address gets nothing, and the caller cannot tell the difference. One such mail per address and day
    /// (the outbox keeps one message per purpose, day and recipient), within the per-address hourly limit.
    /// </summary>
    public async Task SendManagementLinksAsync(string address, CancellationToken cancellationToken)
    {
        var who = personalData.LogId(address);
        if (!perAddress.TryAcquire("links " + address))
        {
            logger.LogWarning("Requests for the links of {Address} over Subscribers:RequestsPerHourPerAddress: not processed", who);
            return;
        }
        if (await store.FindAsync(address, cancellationToken) is not { Status: SubscriberStatus.Active or SubscriberStatus.Paused } subscriber)
        {
            logger.LogInformation("Links asked for {Address}, which is not a confirmed subscriber: no mail", who);
            return;
        }
        await QueueAsync("links", subscriber.Address, 1, "email/ManagementLinks",
            new AlreadySubscribedMailModel(site.Value.Title, site.Value.BaseUrl, "{{preferences_url}}", "{{unsubscribe_url}}"),
            new Dictionary<string, string>
            {
                ["preferences_url"] = links.PreferencesUrl(subscriber.Id),
                ["unsubscribe_url"] = links.UnsubscribeUrl(subscriber.Id),
            }, cancellationToken);
        logger.LogInformation("Links asked for {Address}: mail with their links queued", who);
    }

    /// <summary>A new confirmation mail for someone whose link (<paramref name="nonce"/>) expired, asking for what that link asked for.</summary>
    public async Task ResendConfirmationAsync(string subscriberId, string nonce, CancellationToken cancellationToken)
    {
        if (!perAddress.TryAcquire(subscriberId))
            return;
        if (await store.GetAsync(subscriberId, cancellationToken) is not { } subscriber)
            return;
        var request = await store.PendingChoicesAsync(subscriberId, nonce, cancellationToken) is { } choices
            ? new SubscriptionRequest(subscriber.Address, choices.Name, choices.Sections, choices.Source)
            : new SubscriptionRequest(subscriber.Address, subscriber.Name, subscriber.Sections, subscriber.ConsentSource ?? "confirmation renewed");
        await RequestAsync(request, cancellationToken);
    }

    private async Task QueueAsync<TModel>(string purpose, string address, int sendNumber, string template, TModel model,
        IReadOnlyDictionary<string, string> variables, CancellationToken cancellationToken)
    {
        var (html, values) = await templates.RenderWithValuesAsync(template + ".cshtml", model);
        var text = await templates.RenderAsync(template + TemplateRenderer.TextSuffix, model);
        var subject = values.GetValueOrDefault("Subject") as string
            ?? throw new InvalidOperationException($"{template}.cshtml must set ViewBag.Subject");
        // One "edition" per purpose and day keeps delivery's progress list short; a second mail the
        // same day to the same address needs its own key, or the outbox would take it for a duplicate.
        var campaign = $"{purpose}-{time.GetUtcNow():yyyyMMdd}" + (sendNumber > 1 ? $"-{sendNumber}" : "");
        await outbox.EnqueueAsync(new MessageBody(subject.Trim(), text, html),
            [new OutboxRequest { Campaign = campaign, Kind = MailKind.Transactional, RecipientAddress = address, Variables = variables }], cancellationToken);
    }
}
