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

/// <summary>Where an edition stands.</summary>
public enum EditionStatus
{
    /// <summary>Built; waits for an operator (Digest:RequireApproval).</summary>
    AwaitingApproval,
    /// <summary>Built (and approved if needed); its messages are being queued.</summary>
    Ready,
    /// <summary>Its messages are in the outbox (delivery shows the progress).</summary>
    Queued,
    /// <summary>Fewer articles than Digest:MinimumItems: nothing sent that week.</summary>
    Empty,
    /// <summary>The gateway was down at its time and came back after the catch-up window.</summary>
    Skipped,
}

/// <summary>An edition as the API lists it.</summary>
public sealed record EditionSummary(
    string Key, int? Number, DateTimeOffset FireAt, DateTimeOffset Since, EditionStatus Status, string? Reason, int ItemCount,
    int? Recipients, DateTimeOffset BuiltAt, DateTimeOffset? ApprovedAt, DateTimeOffset? QueuedAt)
{
    /// <summary>The outbox campaign of its messages.</summary>
    public string Campaign => DigestCampaign.Of(Key);
}

public static class DigestCampaign
{
    public static string Of(string editionKey) => "digest-" + editionKey;
}

public static class EditionStatusText
{
    public static string Of(EditionStatus status) => status switch
    {
        EditionStatus.AwaitingApproval => "awaiting-approval",
        EditionStatus.Ready => "ready",
        EditionStatus.Queued => "queued",
        EditionStatus.Empty => "empty",
        _ => "skipped",
    };

    public static EditionStatus Parse(string text) => text switch
    {
        "awaiting-approval" => EditionStatus.AwaitingApproval,
        "ready" => EditionStatus.Ready,
        "queued" => EditionStatus.Queued,
        "empty" => EditionStatus.Empty,
        "skipped" => EditionStatus.Skipped,
        _ => throw new FormatException($"unknown edition status '{text}'"),
    };
}
