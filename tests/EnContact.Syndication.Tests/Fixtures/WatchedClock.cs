using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// A fake clock that tells when a timer of a given length is armed. Advancing a fake clock before a
/// background loop has armed its timer would skip that loop's wake-up; a test waits for the timer
/// first, then advances.
/// </summary>
public sealed class WatchedClock() : FakeTimeProvider(Gateway.DefaultNow)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TimeSpan, int> _armed = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource changed;
        lock (_gate)
        {
            _armed[dueTime] = _armed.GetValueOrDefault(dueTime) + 1;
            (changed, _changed) = (_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        changed.TrySetResult();
        return timer;
    }

    /// <summary>How many timers of <paramref name="dueTime"/> were armed so far.</summary>
    public int Armed(TimeSpan dueTime)
    {
        lock (_gate)
            return _armed.GetValueOrDefault(dueTime);
    }

    /// <summary>Waits (on each timer armed, at most 30 s) until more than <paramref name="seen"/> timers of <paramref name="dueTime"/> were armed.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, int seen)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_armed.GetValueOrDefault(dueTime) > seen)
                    return;
                changed = _changed.Task;
            }
            await changed.WaitAsync(limit.Token);
        }
    }
}
