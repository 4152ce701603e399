namespace EnContact.Syndication.Members;

/// <summary>
/// A paying member as the paywall last described it. <see cref="FeedNonce"/> is the per-member value the
/// private feed token is derived from; it never leaves the gateway.
/// </summary>
public sealed record Member(
    string ExternalId, string Address, string? Name, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt,
    string FeedNonce, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>Neither revoked nor expired at <paramref name="at"/> (an expiry is the first instant without access).</summary>
    public bool IsActiveAt(DateTimeOffset at) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > at);

    public string StateAt(DateTimeOffset at) => RevokedAt is not null ? "revoked" : IsActiveAt(at) ? "active" : "expired";
}

/// <summary>What the paywall sends for one member (already checked by <see cref="MemberInput"/>).</summary>
public sealed record MemberUpsert(string ExternalId, string Address, string? Name, DateTimeOffset? ExpiresAt);

public enum UpsertResult
{
    Created,
    Updated,
    /// <summary>A revoked member sent again: active once more, with a new feed URL (the old one may have been shared).</summary>
    Reinstated,
    Unchanged,
}

/// <summary>A page of members, newest first.</summary>
public sealed record MemberPage(IReadOnlyList<Member> Items, long Total, int Page, int PageSize);

/// <summary>A member whose feed token was polled from many client addresses within the window.</summary>
public sealed record SharedFeed(string ExternalId, string Address, string? Name, int Clients, DateTimeOffset LastSeenAt);

/// <summary>Members by state at one instant.</summary>
public sealed record MemberCounts(long Active, long Expired, long Revoked);
