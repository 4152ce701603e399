using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;

namespace EnContact.Syndication.Digests;

/// <summary>What operators do with editions: approve, preview, send a test copy. Shared by the admin API and the CLI.</summary>
public sealed class DigestEditions(DigestStore store, DigestBuilder builder, DigestRenderer renderer, DigestQueue queue, SubscriberStore subscribers,
    SubscriberLinks links, TimeProvider time, ILogger<DigestEditions> logger)
{
    /// <summary>Approves an edition that waits for it and queues it; null when there is no such edition waiting.</summary>
    public async Task<EditionSummary?> ApproveAsync(string key, CancellationToken cancellationToken)
    {
        if (!await store.MoveAsync(key, EditionStatus.AwaitingApproval, EditionStatus.Ready, null, cancellationToken))
            return null;
        logger.LogInformation("Edition {Key} approved", key);
        await queue.QueueAsync(key, cancellationToken);
        return (await store.GetAsync(key, cancellationToken))!.Value.Edition;
    }

    /// <summary>
    /// The HTML a reader would get: of edition <paramref name="key"/>, or of the next edition as it
    /// stands now; for <paramref name="subscriberAddress"/>'s sections, or all. Null with a reason when there is nothing to show.
    /// </summary>
    public async Task<(RenderedDigest? Digest, string? Problem)> PreviewAsync(string? key, string? subscriberAddress, CancellationToken cancellationToken)
    {
        DigestSnapshot snapshot;
        if (key is null)
            snapshot = await builder.PreviewAsync(cancellationToken);
        else if (await store.GetAsync(key, cancellationToken) is { Snapshot: { } stored })
            snapshot = stored;
        else
            return (null, $"edition '{key}' does not exist or carried no article");
        IReadOnlyList<string>? sections = null;
        if (subscriberAddress is not null)
        {
            if (!MailInput.TryNormalizeAddress("subscriber", subscriberAddress, out var address, out var error))
                return (null, error);
            if (await subscribers.FindAsync(address, cancellationToken) is not { } subscriber)
                return (null, $"subscriber: no subscriber has the address '{address}'");
            sections = subscriber.Sections;
        }
        var rendered = await renderer.RenderAsync(snapshot, sections);
        return rendered is null ? (null, $"no article for these sections since {snapshot.Since:u}") : (rendered, null);
    }

    /// <summary>
    /// One copy of the next edition (or the latest one if the next has nothing yet), marked as a test,
    /// for <paramref name="to"/>: the body and the request to queue (API) or to send at once (CLI).
    /// </summary>
    public async Task<(MessageBody? Body, OutboxRequest? Request, string? Problem)> TestCopyAsync(string to, CancellationToken cancellationToken)
    {
        if (!MailInput.TryNormalizeAddress("to", to, out var address, out var error))
            return (null, null, error);
        var snapshot = await builder.PreviewAsync(cancellationToken);
        if (snapshot.ItemCount == 0)
        {
            var latest = (await store.ListAsync(cancellationToken)).FirstOrDefault(e => e.Number is not null);
            if (latest is null || (await store.GetAsync(latest.Key, cancellationToken))?.Snapshot is not { } stored)
                return (null, null, "nothing to send: no article since the last edition and no edition yet");
            snapshot = stored;
        }
        var rendered = (await renderer.RenderAsync(snapshot, null, test: true))!;
        var subscriber = await subscribers.FindAsync(address, cancellationToken);
        var request = new OutboxRequest
        {
            Campaign = $"digest-test-{time.GetUtcNow():yyyyMMddHHmmss}",
            Kind = MailKind.Transactional,
            RecipientAddress = address,
            Variables = new Dictionary<string, string>
            {
                ["unsubscribe_url"] = subscriber is null ? links.SubscribeUrl : links.UnsubscribeUrl(subscriber.Id),
                ["preferences_url"] = subscriber is null ? links.SubscribeUrl : links.PreferencesUrl(subscriber.Id),
            },
        };
        return (new MessageBody(rendered.Subject, rendered.Text, rendered.Html), request, null);
    }
}
