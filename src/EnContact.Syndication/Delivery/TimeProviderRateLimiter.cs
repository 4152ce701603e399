using System.Threading.RateLimiting;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// At most <c>permitsPerWindow</c> leases per window (fixed windows); callers beyond that wait in
/// arrival order for the next window instead of being rejected, so throttling delays mail rather than
/// failing it. Exists because the limiters of System.Threading.RateLimiting read the machine clock
/// even with manual replenishment, while this one ticks on a <see cref="TimeProvider"/>: the
/// application's clock in production, a FakeTimeProvider in tests.
/// </summary>
internal sealed class TimeProviderRateLimiter : RateLimiter
{
    private readonly Lock _lock = new();
    private readonly Action? _queued;
    private int _limit;
    private readonly LinkedList<Waiter> _queue = new();
    private readonly ITimer _timer;
    private int _available;
    private long _granted;
    private long _failed;
    private bool _disposed;

    /// <param name="queued">Told (outside the lock) each time a caller starts waiting for a window: the limiter is what holds sending back.</param>
    public TimeProviderRateLimiter(int permitsPerWindow, TimeSpan window, TimeProvider time, Action? queued = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerWindow, 1);
        _limit = _available = permitsPerWindow;
        _queued = queued;
        _timer = time.CreateTimer(_ => Refill(), null, window, window);
    }

    /// <summary>
    /// A new pace from now on: what this window already granted counts against the new limit, and the
    /// next window starts one new <paramref name="window"/> from now.
    /// </summary>
    public void Change(int permitsPerWindow, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerWindow, 1);
        lock (_lock)
        {
            if (_disposed)
                return;
            var used = _limit - _available;
            _limit = permitsPerWindow;
            _available = Math.Max(0, permitsPerWindow - used);
            _timer.Change(window, window);
        }
    }

    /// <summary>Never idle: this limiter is not partitioned, nothing would reclaim it.</summary>
    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics GetStatistics()
    {
        lock (_lock)
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _available,
                CurrentQueuedCount = _queue.Count,
                TotalSuccessfulLeases = _granted,
                TotalFailedLeases = _failed,
            };
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        CheckPermitCount(permitCount);
        lock (_lock)
        {
            if (TryTake(permitCount))
                return Lease.Acquired;
            _failed++;
            return Lease.Failed;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        CheckPermitCount(permitCount);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<RateLimitLease>(cancellationToken);
        Waiter waiter;
        lock (_lock)
        {
            if (TryTake(permitCount))
                return ValueTask.FromResult<RateLimitLease>(Lease.Acquired);
            if (_disposed)
                return ValueTask.FromResult<RateLimitLease>(Lease.Failed);
            waiter = new Waiter(permitCount);
            waiter.Node = _queue.AddLast(waiter);
            // Under the lock, so Refill sees the registration it disposes. A token cancelled meanwhile
            // runs Cancel right here, which re-enters the lock (System.Threading.Lock is recursive).
            waiter.Registration = cancellationToken.Register(() => Cancel(waiter, cancellationToken));
        }
        _queued?.Invoke();
        return new ValueTask<RateLimitLease>(waiter.Completion.Task);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Close();
    }

    protected override ValueTask DisposeAsyncCore()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    // First come, first served: a newcomer never overtakes a queued caller.
    private bool TryTake(int permitCount)
    {
        if (_disposed || _queue.Count > 0 || _available < permitCount)
            return false;
        _available -= permitCount;
        _granted++;
        return true;
    }

    private void Refill()
    {
        List<Waiter> ready = [];
        lock (_lock)
        {
            if (_disposed)
                return;
            _available = _limit;
            while (_queue.First is { } first && first.Value.Permits <= _available)
            {
                _queue.RemoveFirst();
                _available -= first.Value.Permits;
                _granted++;
                ready.Add(first.Value);
            }
        }
        foreach (var waiter in ready)
            waiter.Complete(Lease.Acquired);
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node?.List is null)
                return; // already granted or failed
            _queue.Remove(waiter.Node);
        }
        waiter.Completion.TrySetCanceled(cancellationToken);
    }

    private void Close()
    {
        List<Waiter> waiting;
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            waiting = [.. _queue];
            _queue.Clear();
            _failed += waiting.Count;
        }
        _timer.Dispose();
        foreach (var waiter in waiting)
            waiter.Complete(Lease.Failed);
    }

    private void CheckPermitCount(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, Volatile.Read(ref _limit));
    }

    private sealed class Waiter(int permits)
    {
        public int Permits { get; } = permits;
        public LinkedListNode<Waiter>? Node { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
        public TaskCompletionSource<RateLimitLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(RateLimitLease lease)
        {
            Registration.Dispose();
            Completion.TrySetResult(lease);
        }
    }

    /// <summary>Leases carry no state (nothing is given back when they end), so two shared instances do.</summary>
    private sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true);
        public static readonly Lease Failed = new(false);

        public override bool IsAcquired => acquired;
        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
