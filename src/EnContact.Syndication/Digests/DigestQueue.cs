using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;

namespace EnContact.Syndication.Digests;

/// <summary>
/// Turns a ready edition into outbox rows: every mailable subscriber gets the copy of their section
/// set (rendered once per distinct set, not per subscriber) with their own preferences and
/// unsubscribe links; a subscriber whose sections have nothing this time gets nothing. All rows go
/// in one transaction; queuing again is a no-op (the outbox's key is edition + address).
/// </summary>
public sealed class DigestQueue(DigestStore store, DigestRenderer renderer, SubscriberStore subscribers, SubscriberLinks links, OutboxStore outbox, ILogger<DigestQueue> logger)
{
    public async Task<int> QueueAsync(string key, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(key, cancellationToken) is not { Snapshot: { } snapshot, Edition.Status: EditionStatus.Ready })
            return 0;
        var campaign = DigestCampaign.Of(key);
        var started = TimeProvider.System.GetTimestamp();
        var recipients = await subscribers.MailableAsync(cancellationToken);
        var batches = new List<(MessageBody, IReadOnlyCollection<OutboxRequest>)>();
        var mailed = 0;
        foreach (var group in recipients.GroupBy(r => r.Sections is null ? "*" : string.Join('\u001f', r.Sections.Order(StringComparer.Ordinal))))
        {
            var sections = group.First().Sections;
            if (await renderer.RenderAsync(snapshot, sections) is not { } rendered)
                continue;
            var requests = RequestsFor(campaign, group);
            batches.Add((new MessageBody(rendered.Subject, rendered.Text, rendered.Html), requests));
            mailed += requests.Count;
        }
        var rendering = TimeProvider.System.GetElapsedTime(started);
        await outbox.EnqueueManyAsync(batches, cancellationToken);
        await store.MoveAsync(key, EditionStatus.Ready, EditionStatus.Sending, mailed, cancellationToken);
        if (mailed == 0)
            await store.FinishAsync(key, EditionStatus.Sent, new DeliveryCounts(0, 0, 0, 0), cancellationToken); // nobody to mail: nothing will settle
        logger.LogInformation("Edition {Key} queued for {Recipients} of {Mailable} subscriber(s) in {Copies} version(s) (rendered in {Render} ms, queued in {Queue} ms)",
            key, mailed, recipients.Count, batches.Count, (int)rendering.TotalMilliseconds, (int)(TimeProvider.System.GetElapsedTime(started) - rendering).TotalMilliseconds);
        return mailed;
    }

    /// <summary>One bulk message per recipient, each with their own signed unsubscribe and preferences links.</summary>
    public List<OutboxRequest> RequestsFor(string campaign, IEnumerable<Recipient> recipients) => recipients.Select(r =>
    {
        var unsubscribe = links.UnsubscribeUrl(r.Id);
        return new OutboxRequest
        {
            Campaign = campaign,
            Kind = MailKind.Bulk,
            RecipientAddress = r.Address,
            RecipientName = r.Name,
            UnsubscribeUrl = links.SupportsOneClick ? unsubscribe : null,
            Variables = new Dictionary<string, string> { ["unsubscribe_url"] = unsubscribe, ["preferences_url"] = links.PreferencesUrl(r.Id) },
        };
    }).ToList();
}
