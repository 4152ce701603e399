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

/// <summary>
/// One article as the digest shows it. <see cref="ContentHtml"/> is the full text of a premium article,
/// frozen with the edition for members' copies (null for free articles, and in editions built before
/// members' copies existed: those copies then link to the article instead).
/// </summary>
public sealed record DigestItem(
    string ArticleId, string Title, string Url, string Summary, IReadOnlyList<string> Authors, DateTimeOffset PublishedAt,
    string PublishedText, bool Premium, string? ImageUrl, string? Issue, string? ContentHtml = null);

/// <summary>How a copy of the letter shows premium articles.</summary>
public enum MemberCopy
{
    /// <summary>A reader who is not a member: the teaser and a link saying the article is for subscribers.</summary>
    None,
    /// <summary>A member: the full text in the letter.</summary>
    FullText,
    /// <summary>A member: the teaser and a direct link to the article, without the subscribers-only wording.</summary>
    Link,
}

/// <summary>The model of <c>templates/digest/_Article.cshtml</c>: an item and how this copy shows it.</summary>
public sealed record DigestArticleView(DigestItem Item, MemberCopy Members)
{
    /// <summary>The full text goes into this copy.</summary>
    public bool ShowsFullText => Item.Premium && Members == MemberCopy.FullText && Item.ContentHtml is not null;

    /// <summary>The reader may open the article itself (free, or premium for a member).</summary>
    public bool Unlocked => !Item.Premium || Members != MemberCopy.None;
}

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
