using EnContact.Syndication.Delivery;
using EnContact.Syndication.Members;
using EnContact.Syndication.Subscribers;

namespace EnContact.Syndication.Digests;

/// <summary>
/// Turns a ready edition into outbox rows: every mailable subscriber gets the copy of their section
/// set (rendered once per distinct set, not per subscriber) with their own preferences and
/// unsubscribe links; a subscriber whose sections have nothing this time gets nothing.
/// Subscribers are read and queued <see cref="PageSize"/> at a time, one transaction per page, so
/// memory stays flat whatever the list's size and other writers wait for one page at most. If the
/// process stops midway the edition stays ready and the next scheduler tick queues it again:
/// rows already queued are kept as they are (the outbox's key is edition + address).
/// First the letter passes the <see cref="IEditionGate"/>: an edition whose letter fails a check is
/// held with the reasons, and nothing is queued, unless an administrator overrode the checks for it.
/// </summary>
public sealed class DigestQueue(
    DigestStore store, DigestRenderer renderer, SubscriberStore subscribers, MemberStore members, SubscriberLinks links, OutboxStore outbox, IEditionGate gate,
    TimeProvider time, ILogger<DigestQueue> logger)
{
    public const int PageSize = 5_000;

    /// <summary>How often a long queuing reports its progress, in recipients.</summary>
    private const int ProgressEvery = 100_000;

    public async Task<int> QueueAsync(string key, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(key, cancellationToken) is not { Snapshot: { } snapshot, Edition: { Status: EditionStatus.Ready } edition })
            return 0;
        if (edition.Override is null && await gate.CheckAsync(snapshot, cancellationToken) is { Passed: false } report)
        {
            if (await store.HoldAsync(key, "held before sending: " + report.FailureText, cancellationToken))
                logger.LogWarning("Edition {Key} held: its letter failed {Count} check(s) before queuing: {Failures}", key, report.Failures.Count, report.FailureText);
            return 0;
        }
        var campaign = DigestCampaign.Of(key);
        using var activity = DigestTelemetry.Activities.StartActivity("digest queue edition");
        activity?.SetTag("encontact.digest.edition", key);
        // Durations of work, for the log: the machine's clock, not the (possibly simulated) time of the schedule.
        var clock = TimeProvider.System;
        var started = clock.GetTimestamp();
        var mark = started;
        var copies = new Dictionary<string, MessageBody?>(StringComparer.Ordinal);
        // Members as they stand when the edition is queued: one set of addresses, read once (a member
        // who joins or lapses during a long queuing is taken as they were at its start).
        var memberAddresses = await members.ActiveAddressesAsync(time.GetUtcNow(), cancellationToken);
        var (mailable, mailed, reported) = (0, 0, 0);
        var (rendering, queuing, longest) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        await foreach (var page in subscribers.MailablePagesAsync(PageSize, cancellationToken))
        {
            var batches = new List<(MessageBody, IReadOnlyCollection<OutboxRequest>)>();
            foreach (var group in page.GroupBy(r => CopyKey(r, memberAddresses)))
            {
                if (!copies.TryGetValue(group.Key, out var body))
                    copies[group.Key] = body = await RenderAsync(snapshot, group.First().Sections, IsMember(group.First(), memberAddresses));
                if (body is null)
                    continue;
                var requests = RequestsFor(campaign, group);
                batches.Add((body, requests));
                mailed += requests.Count;
            }
            rendering += clock.GetElapsedTime(mark);
            var step = clock.GetTimestamp();
            await outbox.EnqueueManyAsync(batches, cancellationToken);
            var transaction = clock.GetElapsedTime(step);
            mark = clock.GetTimestamp();
            (queuing, longest) = (queuing + transaction, transaction > longest ? transaction : longest);
            mailable += page.Count;
            if (mailable - reported >= ProgressEvery)
            {
                reported = mailable;
                logger.LogInformation("Edition {Key}: {Queued} message(s) queued so far, for {Mailable} subscriber(s) read ({Elapsed} s)",
                    key, mailed, mailable, (int)clock.GetElapsedTime(started).TotalSeconds);
            }
        }
        activity?.SetTag("encontact.digest.recipients", mailed);
        await store.MoveAsync(key, EditionStatus.Ready, EditionStatus.Sending, mailed, cancellationToken);
        if (mailed == 0)
            await store.FinishAsync(key, EditionStatus.Sent, new DeliveryCounts(0, 0, 0, 0), cancellationToken); // nobody to mail: nothing will settle
        logger.LogInformation("Edition {Key} queued for {Recipients} of {Mailable} subscriber(s) in {Copies} version(s) in {Elapsed} ms: " +
            "reading subscribers, rendering and building requests {Render} ms, queuing {Queue} ms (longest transaction {Longest} ms)",
            key, mailed, mailable, copies.Values.Count(c => c is not null), (int)clock.GetElapsedTime(started).TotalMilliseconds,
            (int)rendering.TotalMilliseconds, (int)queuing.TotalMilliseconds, (int)longest.TotalMilliseconds);
        return mailed;
    }

    /// <summary>Readers with the same sections and the same standing (member or not) share one rendered copy.</summary>
    private static string CopyKey(Recipient recipient, IReadOnlySet<string> memberAddresses) =>
        (IsMember(recipient, memberAddresses) ? "member:" : "") +
        (recipient.Sections is null ? "*" : string.Join('\u001f', recipient.Sections.Order(StringComparer.Ordinal)));

    private static bool IsMember(Recipient recipient, IReadOnlySet<string> memberAddresses) =>
        memberAddresses.Count > 0 && memberAddresses.Contains(recipient.Address.ToLowerInvariant());

    private async Task<MessageBody?> RenderAsync(DigestSnapshot snapshot, IReadOnlyList<string>? sections, bool member) =>
        await renderer.RenderCopyAsync(snapshot, sections, member) is { } rendered ? new MessageBody(rendered.Subject, rendered.Text, rendered.Html) : null;

    /// <summary>One bulk message per recipient, each with their own signed unsubscribe and preferences links.</summary>
    public List<OutboxRequest> RequestsFor(string campaign, IEnumerable<Recipient> recipients) => RequestsFor(links, campaign, recipients);

    /// <inheritdoc cref="RequestsFor(string, IEnumerable{Recipient})"/>
    public static List<OutboxRequest> RequestsFor(SubscriberLinks links, string campaign, IEnumerable<Recipient> recipients) => recipients.Select(r =>
    {
        var unsubscribe = links.UnsubscribeUrl(r.Id);
        return new OutboxRequest
        {
            Campaign = campaign,
            Kind = MailKind.Bulk,
            RecipientAddress = r.Address,
            RecipientName = r.Name,
            UnsubscribeUrl = links.SupportsOneClick ? unsubscribe : null,
            Variables = new Dictionary<string, string>
            {
                ["unsubscribe_url"] = unsubscribe,
                ["preferences_url"] = links.PreferencesUrl(r.Id),
                [MessageComposer.UnsubscribeTokenVariable] = links.UnsubscribeMailToken(r.Id),
            },
        };
    }).ToList();
}
