namespace EnContact.Syndication.Subscribers;

/// <summary>Where a subscriber stands. Only <see cref="Active"/> subscribers receive the digest.</summary>
public enum SubscriberStatus
{
    /// <summary>Asked to subscribe, has not confirmed yet.</summary>
    Pending,
    Active,
    /// <summary>Chose to receive nothing for now, from the preferences page.</summary>
    Paused,
    Unsubscribed,
}

/// <summary>A subscriber as the admin API and the digest see it.</summary>
public sealed record Subscriber
{
    public required string Id { get; init; }
    public required string Address { get; init; }
    public string? Name { get; init; }
    public required SubscriberStatus Status { get; init; }
    /// <summary>Null: every section, including future ones. Otherwise the chosen sections.</summary>
    public IReadOnlyList<string>? Sections { get; init; }
    public DateTimeOffset? ConsentAt { get; init; }
    public string? ConsentSource { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ConfirmedAt { get; init; }
    public DateTimeOffset? UnsubscribedAt { get; init; }
    /// <summary>Why the address must not be mailed (unsubscribed, hard bounce…), or null.</summary>
    public string? Suppression { get; init; }
}
