using EnContact.Syndication.Delivery;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class TimeProviderRateLimiterTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task AcquireAsync_BeyondTheLimit_WaitsForTheNextWindowInArrivalOrder()
    {
        using var limiter = new TimeProviderRateLimiter(2, TimeSpan.FromSeconds(1), _clock);
        Assert.True((await limiter.AcquireAsync(1)).IsAcquired);
        Assert.True((await limiter.AcquireAsync(1)).IsAcquired);

        var first = limiter.AcquireAsync(1).AsTask();
        var second = limiter.AcquireAsync(1).AsTask();
        var third = limiter.AcquireAsync(1).AsTask();
        Assert.False(first.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True((await first).IsAcquired);
        Assert.True((await second).IsAcquired);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public async Task Change_MidWindow_CountsWhatWasGrantedAndPacesTheNextWindowsAnew()
    {
        var queued = 0;
        using var limiter = new TimeProviderRateLimiter(8, TimeSpan.FromSeconds(1), _clock, () => queued++);
        Assert.True((await limiter.AcquireAsync(1)).IsAcquired);
        Assert.True((await limiter.AcquireAsync(1)).IsAcquired);

        limiter.Change(3, TimeSpan.FromSeconds(1)); // halved twice: 2 of the 3 already used
        Assert.True(limiter.AttemptAcquire(1).IsAcquired);
        var waiting = Enumerable.Range(0, 4).Select(_ => limiter.AcquireAsync(1).AsTask()).ToArray();
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(4, queued);
        Assert.Equal(3, waiting.Count(w => w.IsCompletedSuccessfully));
        limiter.Change(1, TimeSpan.FromSeconds(2)); // below one a second: one per longer window
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting[3].IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await waiting[3]).IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_WaiterCancelled_LeavesItsPermitToTheNext()
    {
        using var limiter = new TimeProviderRateLimiter(1, TimeSpan.FromSeconds(1), _clock);
        await limiter.AcquireAsync(1);
        using var cancel = new CancellationTokenSource();
        var cancelled = limiter.AcquireAsync(1, cancel.Token).AsTask();
        var next = limiter.AcquireAsync(1).AsTask();

        await cancel.CancelAsync();
        _clock.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True((await next).IsAcquired);
    }

    [Fact]
    public async Task Dispose_WithWaiters_FailsTheirLeasesInsteadOfHanging()
    {
        var limiter = new TimeProviderRateLimiter(1, TimeSpan.FromSeconds(1), _clock);
        await limiter.AcquireAsync(1);
        var waiting = limiter.AcquireAsync(1).AsTask();

        limiter.Dispose();

        Assert.False((await waiting).IsAcquired);
        Assert.False(limiter.AttemptAcquire(1).IsAcquired);
    }
}
