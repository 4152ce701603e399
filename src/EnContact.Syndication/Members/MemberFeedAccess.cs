using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>
/// Who may read a private feed: the member whose token it is, while neither revoked nor expired. Notes
/// the (keyed-hashed) client address that asked, at most once an hour per member and client, so
/// that a poll every few minutes costs one indexed read, not a write as well.
/// </summary>
public sealed partial class MemberFeedAccess(MemberStore store, MemberFeedTokens tokens, TimeProvider time, ILogger<MemberFeedAccess> logger)
{
    /// <summary>How often one client's polls of one member's feeds are written down.</summary>
    public static readonly TimeSpan SightingInterval = TimeSpan.FromHours(1);

    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<(string Member, string Client), DateTimeOffset> _recorded = new();

    /// <summary>The active member <paramref name="token"/> belongs to, or null (unknown, revoked or expired: the caller answers 404 to all three).</summary>
    public async Task<Member?> FindActiveAsync(string token, IPAddress? client, CancellationToken cancellationToken)
    {
        if (!MemberFeedTokens.LooksLikeToken(token))
            return null;
        var member = await store.FindByTokenAsync(token, cancellationToken);
        var now = time.GetUtcNow();
        if (member is null)
        {
            LogUnknownToken(logger);
            return null;
        }
        if (!member.IsActiveAt(now))
        {
            LogInactive(logger, member.ExternalId, member.StateAt(now));
            return null;
        }
        if (client is not null)
            await SightAsync(member.ExternalId, client, now, cancellationToken);
        return member;
    }

    private async Task SightAsync(string externalId, IPAddress client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = (externalId, tokens.ClientHash((client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString()));
        if (_recorded.TryGetValue(key, out var last) && now - last < SightingInterval)
            return;
        if (_recorded.Count >= MaxRemembered)
            _recorded.Clear(); // a bound on memory; forgetting only costs a few extra writes
        _recorded[key] = now;
        await store.RecordClientAsync(key.externalId, key.Item2, now, cancellationToken);
    }

    [LoggerMessage(LogLevel.Debug, "Private feed asked with an unknown token")]
    private static partial void LogUnknownToken(ILogger logger);

    [LoggerMessage(LogLevel.Debug, "Private feed of member {ExternalId} refused: the member is {State}")]
    private static partial void LogInactive(ILogger logger, string externalId, string state);
}
