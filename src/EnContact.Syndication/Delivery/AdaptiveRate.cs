namespace EnContact.Syndication.Delivery;

/// <summary>
/// One pace under additive increase, multiplicative decrease: a throttling reply multiplies it by the
/// factor (at most once a second, so one burst of replies to messages already under way is one cut),
/// each interval of sends without one adds the step back, up to the ceiling. Not thread-safe: its owner locks.
/// </summary>
internal sealed class AdaptiveRate(double? ceiling, DateTimeOffset now)
{
    /// <summary>Replies within this time of a cut belong to the burst that caused it.</summary>
    public static readonly TimeSpan CutSpacing = TimeSpan.FromSeconds(1);

    private DateTimeOffset _lastCut = DateTimeOffset.MinValue;
    private DateTimeOffset _lastChange = now;

    /// <summary>Where recovery stops: the configured limit, or the rate measured when the first throttle came; null while unlimited and never throttled.</summary>
    public double? Ceiling { get; private set; } = ceiling;

    /// <summary>Messages per second now; null for no limit.</summary>
    public double? Current { get; private set; } = ceiling;

    public DateTimeOffset Since { get; private set; } = now;
    public string? LastThrottle { get; private set; }
    public DateTimeOffset? LastThrottleAt { get; private set; }
    public long Throttles { get; private set; }

    /// <summary>Below its ceiling: throttled, recovering.</summary>
    public bool Reduced => Current < Ceiling;

    /// <summary>Records a throttling reply; true when the pace was cut. <paramref name="measured"/> is the rate the reply came at, the ceiling of a pace that had none.</summary>
    public bool Cut(DateTimeOffset now, string reply, double measured, double factor, double floor)
    {
        Throttles++;
        (LastThrottle, LastThrottleAt) = (reply, now);
        if (now - _lastCut < CutSpacing)
            return false;
        Ceiling ??= Math.Max(floor, measured);
        var from = Current ?? Ceiling.Value;
        Current = Math.Max(Math.Min(floor, Ceiling.Value), from * factor);
        (_lastCut, _lastChange, Since) = (now, now, now);
        return true;
    }

    /// <summary>After a clean send: true when a full interval went by since the last change and the pace gained a step.</summary>
    public bool Recover(DateTimeOffset now, double step, TimeSpan interval)
    {
        if (Current is not { } current || Ceiling is not { } top || current >= top || now - _lastChange < interval)
            return false;
        Current = Math.Min(top, current + step);
        (_lastChange, Since) = (now, now);
        return true;
    }
}
