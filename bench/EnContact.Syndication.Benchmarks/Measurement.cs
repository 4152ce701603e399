using System.Diagnostics;

namespace EnContact.Syndication.Benchmarks;

/// <summary>One timed phase: wall time, bytes the GC allocated (all threads) and the highest working set sampled while it ran.</summary>
public sealed record Sample(TimeSpan Elapsed, long AllocatedBytes, long PeakWorkingSetBytes, int Gen2Collections)
{
    /// <summary>The highest GC heap size (<see cref="GC.GetTotalMemory(bool)"/>, no collection forced) sampled while it ran.</summary>
    public long PeakGcHeapBytes { get; init; }

    /// <summary>CPU time of the whole process (all threads) during the phase.</summary>
    public TimeSpan Cpu { get; init; }
}

/// <summary>Times a phase with a Stopwatch and samples the process working set every few milliseconds while it runs.</summary>
public static class Measure
{
    public static async Task<(T Result, Sample Sample)> RunAsync<T>(Func<Task<T>> phase)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        long peak = process.WorkingSet64;
        long peakHeap = GC.GetTotalMemory(false);
        var cpu = process.TotalProcessorTime;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                InterlockedMax(ref peak, self.WorkingSet64);
                InterlockedMax(ref peakHeap, GC.GetTotalMemory(false));
                try { await Task.Delay(5, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var result = await phase();
        clock.Stop();
        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        var gen2After = GC.CollectionCount(2);

        stop.Cancel();
        await sampler;
        process.Refresh();
        InterlockedMax(ref peak, process.WorkingSet64);
        return (result, new Sample(clock.Elapsed, allocatedAfter - allocated, Interlocked.Read(ref peak), gen2After - gen2)
        {
            PeakGcHeapBytes = Interlocked.Read(ref peakHeap),
            Cpu = process.TotalProcessorTime - cpu,
        });
    }

    public static async Task<Sample> RunAsync(Func<Task> phase) =>
        (await RunAsync(async () => { await phase(); return 0; })).Sample;

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)))
            if (Interlocked.CompareExchange(ref target, value, current) == current)
                return;
    }
}

/// <summary>Median and minimum of a set of values (an even count takes the mean of the two middle ones).</summary>
public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static double Min(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Min();

    public static double Max(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Max();
}
