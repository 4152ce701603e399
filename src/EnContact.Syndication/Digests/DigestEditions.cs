using EnContact.Syndication.Delivery;
using EnContact.Syndication.Members;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>One article of a waiting edition that is no longer as it was when the edition was built.</summary>
public sealed record ArticleChange(string ArticleId, string Title, string Change);

/// <summary>
/// What editors and operators do with editions: approve, rebuild or discard one that waits, see what
/// changed since it was built, preview, send a test copy. Shared by the admin API and the CLI.
/// Preview and test copy agree on what they show: the edition named, else the one waiting for
/// approval, else the next edition as it stands now; nothing new means nothing to show or send.
/// </summary>
public sealed class DigestEditions(DigestStore store, DigestBuilder builder, DigestRenderer renderer, DigestQueue queue, SubscriberStore subscribers,
    MemberStore members, SubscriberLinks links, OutboxStore outbox, IEditionGate gate, IOptions<DigestOptions> options, TimeProvider time, ILogger<DigestEditions> logger)
{
    /// <summary>Longest reason an administrator may give for sending an edition despite failed checks.</summary>
    public const int MaxOverrideReason = 500;

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
    /// The checks of the letter of edition <paramref name="key"/> (else of the default edition: see the
    /// class) as they come out now; null with a reason when there is no letter to check.
    /// </summary>
    public async Task<(GateReport? Report, DigestSnapshot? Snapshot, string? Problem)> CheckAsync(string? key, CancellationToken cancellationToken)
    {
        var (snapshot, problem) = await TargetAsync(key, cancellationToken);
        return snapshot is null ? (null, null, problem) : (await gate.CheckAsync(snapshot, cancellationToken), snapshot, null);
    }

    /// <summary>
    /// Releases an edition the checks held. Without <paramref name="overrideReason"/> its letter is
    /// checked again (after the cause was fixed) and queued if it passes, held again otherwise. With it,
    /// it is queued despite the failures, and the decision is recorded on the edition: <paramref name="by"/>,
    /// when, why and which checks failed.
    /// </summary>
    public async Task<(EditionSummary? Edition, string? Problem)> ReleaseAsync(string key, string? overrideReason, string by, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(key, cancellationToken) is not { } found)
            return (null, $"no edition has the key '{key}'");
        if (found.Edition.Status != EditionStatus.Held || found.Snapshot is null)
            return (null, $"edition '{key}' is {EnumText.Of(found.Edition.Status)}, not held by the checks");
        string? record = null;
        if (overrideReason is not null)
        {
            var why = overrideReason.Trim();
            if (why.Length == 0 || why.Length > MaxOverrideReason || why.Any(char.IsControl))
                return (null, $"override: give the reason in one line of 1 to {MaxOverrideReason} characters");
            var failed = (await gate.CheckAsync(found.Snapshot, cancellationToken)).Failures.Select(c => c.Name);
            record = $"sent despite failed checks ({string.Join(", ", failed)}) by {by} at {time.GetUtcNow():u}: {why}";
        }
        if (!await store.ReleaseAsync(key, record, cancellationToken))
            return (null, $"edition '{key}' is no longer held");
        if (record is null)
            logger.LogInformation("Edition {Key} released to be checked again", key);
        else
            logger.LogWarning("Edition {Key} overridden: {Override}", key, record);
        await queue.QueueAsync(key, cancellationToken);
        return ((await store.GetAsync(key, cancellationToken))!.Value.Edition, null);
    }

    /// <summary>
    /// Builds a waiting edition again from its period's articles as they are now (corrected titles,
    /// new URLs, articles published or withdrawn since), keeping its key, number and date.
    /// </summary>
    public async Task<(EditionSummary? Edition, string? Problem)> RebuildAsync(string key, CancellationToken cancellationToken)
    {
        if (await WaitingAsync(key, cancellationToken) is not ({ } edition, { } snapshot))
            return (null, await NotWaitingAsync(key, cancellationToken));
        var sections = await builder.SectionsAsync(edition.Since, edition.FireAt, key, cancellationToken);
        var count = sections.Sum(s => s.Items.Count);
        if (count < options.Value.MinimumItems)
            return (null, $"edition '{key}' would carry {count} article(s) now, fewer than Digest:MinimumItems ({options.Value.MinimumItems}); discard it instead");
        var rebuilt = builder.Snapshot(key, snapshot.Number, edition.FireAt, edition.Since, sections);
        if (!await store.ReplaceSnapshotAsync(key, rebuilt, $"rebuilt at {time.GetUtcNow():u}", cancellationToken))
            return (null, await NotWaitingAsync(key, cancellationToken));
        logger.LogInformation("Edition {Key} (n° {Number}) rebuilt: {Count} article(s)", key, rebuilt.Number, count);
        return ((await store.GetAsync(key, cancellationToken))!.Value.Edition, null);
    }

    /// <summary>Discards a waiting edition: nothing is sent; its articles (and its number) go to the next edition.</summary>
    public async Task<(EditionSummary? Edition, string? Problem)> DiscardAsync(string key, CancellationToken cancellationToken)
    {
        if (!await store.DiscardAsync(key, $"discarded at {time.GetUtcNow():u}; its articles go into the next edition", cancellationToken))
            return (null, await NotWaitingAsync(key, cancellationToken));
        logger.LogInformation("Edition {Key} discarded; its articles go into the next edition", key);
        return ((await store.GetAsync(key, cancellationToken))!.Value.Edition, null);
    }

    /// <summary>
    /// The articles of edition <paramref name="key"/> that changed since it was built (what readers
    /// would see differs), were withdrawn, or were published in its period since; empty for an
    /// edition that does not wait (what went out is what it was).
    /// </summary>
    public async Task<IReadOnlyList<ArticleChange>> ChangesAsync(string key, CancellationToken cancellationToken)
    {
        if (await WaitingAsync(key, cancellationToken) is not ({ } edition, { } snapshot))
            return [];
        var built = snapshot.Sections.SelectMany(s => s.Items).ToDictionary(i => i.ArticleId);
        var now = (await builder.SectionsAsync(edition.Since, edition.FireAt, key, cancellationToken)).SelectMany(s => s.Items).ToDictionary(i => i.ArticleId);
        var changes = new List<ArticleChange>();
        foreach (var (id, then) in built)
        {
            if (!now.TryGetValue(id, out var current))
                changes.Add(new ArticleChange(id, then.Title, "withdrawn (deleted, unpublished or moved out of the period)"));
            else if (Differences(then, current) is { Count: > 0 } fields)
                changes.Add(new ArticleChange(id, current.Title, $"changed: {string.Join(", ", fields)}"));
        }
        foreach (var (id, item) in now)
            if (!built.ContainsKey(id))
                changes.Add(new ArticleChange(id, item.Title, "published in the period since it was built"));
        return changes;
    }

    private static List<string> Differences(DigestItem then, DigestItem now)
    {
        var fields = new List<string>();
        if (then.Title != now.Title) fields.Add("title");
        if (then.Url != now.Url) fields.Add("URL");
        if (then.Summary != now.Summary) fields.Add("summary");
        if (!then.Authors.SequenceEqual(now.Authors)) fields.Add("authors");
        if (then.PublishedAt != now.PublishedAt) fields.Add("publication date");
        if (then.Premium != now.Premium) fields.Add("access");
        if (then.ImageUrl != now.ImageUrl) fields.Add("image");
        if (then.Issue != now.Issue) fields.Add("issue");
        if (then.ContentHtml != now.ContentHtml) fields.Add("members' full text");
        return fields;
    }

    /// <summary>
    /// The HTML a reader would get: of edition <paramref name="key"/>, else of the default edition
    /// (see the class); for <paramref name="subscriberAddress"/>'s sections, or all. Null with a reason when there is nothing to show.
    /// </summary>
    public async Task<(RenderedDigest? Digest, string? Problem)> PreviewAsync(string? key, string? subscriberAddress, DateTimeOffset? since, CancellationToken cancellationToken,
        bool member = false)
    {
        if (key is not null && since is not null)
            return (null, "since: a period start applies to the next edition, not to a named one");
        var (snapshot, problem) = since is { } from ? await NextAsync(from, cancellationToken) : await TargetAsync(key, cancellationToken);
        if (snapshot is null)
            return (null, problem);
        return await PreviewAsync(snapshot, subscriberAddress, cancellationToken, member: member);
    }

    /// <summary>The edition a preview without a key shows: the one waiting for approval, or null for the next edition (not built yet).</summary>
    public async Task<string?> WaitingEditionKeyAsync(CancellationToken cancellationToken) =>
        (await store.WithStatusAsync(EditionStatus.AwaitingApproval, cancellationToken)).FirstOrDefault()?.Key;

    /// <summary>The edition a preview or a test copy shows when given <paramref name="key"/> (see the class), with its articles; null with a reason when it carries nothing.</summary>
    public Task<(DigestSnapshot? Snapshot, string? Problem)> ShownAsync(string? key, CancellationToken cancellationToken) => TargetAsync(key, cancellationToken);

    /// <summary>
    /// The HTML of <paramref name="snapshot"/> as the readers of <paramref name="sections"/> get it (null:
    /// every section), or as <paramref name="subscriberAddress"/> gets it when given. Null with a reason when that copy would be empty.
    /// </summary>
    public async Task<(RenderedDigest? Digest, string? Problem)> PreviewAsync(DigestSnapshot snapshot, string? subscriberAddress, CancellationToken cancellationToken,
        IReadOnlyList<string>? sections = null, bool member = false)
    {
        if (subscriberAddress is not null)
        {
            if (!MailInput.TryNormalizeAddress("subscriber", subscriberAddress, out var address, out var error))
                return (null, error);
            if (await subscribers.FindAsync(address, cancellationToken) is not { } subscriber)
                return (null, $"subscriber: no subscriber has the address '{address}'");
            sections = subscriber.Sections;
            member = await IsMemberAsync(address, cancellationToken);
        }
        var rendered = await renderer.RenderCopyAsync(snapshot, sections, member);
        return rendered is null ? (null, $"no article for these sections since {snapshot.Since:u}") : (rendered, null);
    }

    /// <summary>
    /// Queues one test copy of edition <paramref name="key"/> (else of the default edition) for
    /// <paramref name="to"/>; delivery sends it like any transactional mail. Returns its delivery's
    /// campaign, or the problem (a <c>to:</c> one for a bad address, else there is nothing to send).
    /// </summary>
    public async Task<(string? Campaign, string? Problem)> QueueTestCopyAsync(string to, string? key, CancellationToken cancellationToken)
    {
        var (body, message, problem) = await TestCopyAsync(to, key, cancellationToken);
        if (body is null || message is null)
            return (null, problem);
        await outbox.EnqueueAsync(body, [message], cancellationToken);
        logger.LogInformation("Test copy of the letter queued as {Campaign}", message.Campaign);
        return (message.Campaign, null);
    }

    /// <summary>
    /// One copy of edition <paramref name="key"/> (else of the default edition: see the class), marked
    /// as a test, for <paramref name="to"/>: the body and the request to queue (API) or to send at once (CLI).
    /// </summary>
    public async Task<(MessageBody? Body, OutboxRequest? Request, string? Problem)> TestCopyAsync(string to, string? key, CancellationToken cancellationToken)
    {
        if (!MailInput.TryNormalizeAddress("to", to, out var address, out var error))
            return (null, null, error);
        var (snapshot, problem) = await TargetAsync(key, cancellationToken);
        if (snapshot is null)
            return (null, null, problem);
        // A member testing the letter sees the members' copy, as they would receive it.
        var rendered = (await renderer.RenderCopyAsync(snapshot, null, await IsMemberAsync(address, cancellationToken), test: true))!;
        var subscriber = await subscribers.FindAsync(address, cancellationToken);
        // The letter's own request, so the copy carries the letter's headers (List-Unsubscribe with its
        // one-click URL and its tokened mailto:, List-Unsubscribe-Post, List-Id): a subscriber's own links,
        // which act on their subscription as the letter's would. An address that subscribes to nothing
        // gets links of the same shape naming no reader (acting on them changes nothing), and the
        // subscribe page in the body. Sent as transactional mail: at once, ahead of any edition.
        var letter = queue.RequestsFor($"digest-test-{time.GetUtcNow():yyyyMMddHHmmss}",
            [new Recipient(subscriber?.Id ?? NoReader, address, subscriber?.Name, null)]).Single();
        var request = letter with
        {
            Kind = MailKind.Transactional,
            Variables = subscriber is not null ? letter.Variables : new Dictionary<string, string>(letter.Variables)
            {
                ["unsubscribe_url"] = links.SubscribeUrl,
                ["preferences_url"] = links.SubscribeUrl,
            },
        };
        return (new MessageBody(rendered.Subject, rendered.Text, rendered.Html), request, null);
    }

    /// <summary>The subscriber id of a test copy's links when its address subscribes to nothing: no subscriber has it (ids are random).</summary>
    private const string NoReader = "00000000000000000000000000000000";

    /// <summary>The edition named; else the newest one waiting for approval; else the next as it stands now. Null with a reason when it carries nothing.</summary>
    private async Task<(DigestSnapshot? Snapshot, string? Problem)> TargetAsync(string? key, CancellationToken cancellationToken)
    {
        if (key is not null)
            return await store.GetAsync(key, cancellationToken) is { Snapshot: { } stored }
                ? (stored, null)
                : (null, $"edition '{key}' does not exist or carried no article");
        if (await WaitingEditionKeyAsync(cancellationToken) is { } waiting && (await store.GetAsync(waiting, cancellationToken))?.Snapshot is { } pending)
            return (pending, null);
        return await NextAsync(null, cancellationToken);
    }

    /// <summary>The next edition as it stands now (its period from <paramref name="since"/> when given). Null with a reason when it carries nothing.</summary>
    private async Task<(DigestSnapshot? Snapshot, string? Problem)> NextAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var next = await builder.PreviewAsync(since, cancellationToken);
        return next.ItemCount > 0
            ? (next, null)
            : (null, $"nothing new since {next.Since:u}: no article for the next edition yet (name an existing edition to see or send it, or preview from an earlier date)");
    }

    private async Task<(EditionSummary? Edition, DigestSnapshot? Snapshot)> WaitingAsync(string key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) is { Edition.Status: EditionStatus.AwaitingApproval, Snapshot: { } snapshot } found
            ? (found.Edition, snapshot) : (null, null);

    private async Task<string> NotWaitingAsync(string key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) is { } existing
            ? $"edition '{key}' is {EnumText.Of(existing.Edition.Status)}, not waiting for approval"
            : $"no edition has the key '{key}'";

    private async Task<bool> IsMemberAsync(string address, CancellationToken cancellationToken) =>
        await members.FindActiveByAddressAsync(address, time.GetUtcNow(), cancellationToken) is not null;
}
