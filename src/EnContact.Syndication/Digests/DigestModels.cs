namespace EnContact.Syndication.Digests;

/// <summary>
/// What an edition contains, frozen when it is built and stored as JSON: every render of the edition
/// (each subscriber's copy, the web archive, a re-send) is made from this, never from the live articles.
/// </summary>
public sealed record DigestSnapshot(
    string Key, int Number, DateTimeOffset FireAt, DateTimeOffset Since, string Subject, string DateText, IReadOnlyList<DigestSection> Sections)
{
    public int ItemCount => Sections.Sum(s => s.Items.Count);
}

/// <summary>A section of an edition, in the configured order; <see cref="Name"/> is null for articles without a section.</summary>
public sealed record DigestSection(string? Name, IReadOnlyList<DigestItem> Items);

/// <summary>One article as the digest shows it.</summary>
public sealed record DigestItem(
    string ArticleId, string Title, string Url, string Summary, IReadOnlyList<string> Authors, DateTimeOffset PublishedAt,
    string PublishedText, bool Premium, string? ImageUrl, string? Issue);

/// <summary>Where an edition stands. Its name in the API and the CLI is the kebab-case form ("awaiting-approval", "sent-with-failures").</summary>
public enum EditionStatus
{
    /// <summary>Built; waits for an editor (Digest:RequireApproval), who approves, rebuilds or discards it.</summary>
    AwaitingApproval,
    /// <summary>Built (and approved if needed); its messages are being queued.</summary>
    Ready,
    /// <summary>Its letter failed the checks before queuing (the reason lists them); an administrator fixes the cause and releases it, or overrides the checks for it.</summary>
    Held,
    /// <summary>Its messages are in the outbox; delivery shows the progress.</summary>
    Sending,
    /// <summary>Every message settled and none failed (suppressed addresses are counted, not failures).</summary>
    Sent,
    /// <summary>Every message settled; some failed (the counts say how many).</summary>
    SentWithFailures,
    /// <summary>An operator cancelled its delivery; what was sent stays sent.</summary>
    Cancelled,
    /// <summary>An editor discarded it before it went out: its number and articles go to the next edition.</summary>
    Discarded,
    /// <summary>Fewer articles than Digest:MinimumItems: nothing sent that week.</summary>
    Empty,
    /// <summary>The gateway was down at its time and came back after the catch-up window.</summary>
    Skipped,
}

/// <summary>An edition as the API lists it; the counts are known once its last message settled.</summary>
public sealed record EditionSummary(
    string Key, int? Number, DateTimeOffset FireAt, DateTimeOffset Since, EditionStatus Status, string? Reason, int ItemCount,
    int? Recipients, DateTimeOffset BuiltAt, DateTimeOffset? ApprovedAt, DateTimeOffset? QueuedAt)
{
    /// <summary>The outbox campaign of its messages.</summary>
    public string Campaign => DigestCampaign.Of(Key);

    public DeliveryCounts? Counts { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set when an administrator sent it although its letter failed the checks: who, when, why and which checks.</summary>
    public string? Override { get; init; }
}

/// <summary>
/// How an edition's messages ended. <see cref="Bounced"/> counts, among the failed ones, the messages
/// the relay had accepted and a report later said were not delivered: one that comes back after the
/// edition finished moves from sent to failed.
/// </summary>
public sealed record DeliveryCounts(long Sent, long Failed, long Suppressed, long Cancelled, long Bounced = 0);

public static class DigestCampaign
{
    private const string Prefix = "digest-";

    public static string Of(string editionKey) => Prefix + editionKey;

    /// <summary>The edition key of a campaign, or null for another purpose (a test copy, a confirmation).</summary>
    public static string? KeyOf(string campaign) =>
        campaign.StartsWith(Prefix, StringComparison.Ordinal) && !campaign.StartsWith(Prefix + "test-", StringComparison.Ordinal) ? campaign[Prefix.Length..] : null;
}

public static class EditionStatuses
{
    /// <summary>Statuses of editions that went out (in whole or in part): the public archive.</summary>
    public static readonly EditionStatus[] WentOut = [EditionStatus.Sending, EditionStatus.Sent, EditionStatus.SentWithFailures];
}
