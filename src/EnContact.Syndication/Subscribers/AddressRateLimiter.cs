using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// The per-address half of the public endpoints' rate limiting (the per-client half is ASP.NET Core's
/// middleware, which runs before the body — and so the address — is read). A subscription or
/// confirmation request over <see cref="SubscribersOptions.RequestsPerHourPerAddress"/> for one address
/// (or one link) gets the usual answer but is not processed: no database write, no mail.
/// </summary>
public sealed class AddressRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public AddressRateLimiter(IOptions<SubscribersOptions> options)
    {
        var perHour = options.Value.RequestsPerHourPerAddress;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perHour, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
    }

    /// <summary>Whether one more request for <paramref name="key"/> (a normalised address, or a subscriber id) may be processed now.</summary>
    public bool TryAcquire(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
