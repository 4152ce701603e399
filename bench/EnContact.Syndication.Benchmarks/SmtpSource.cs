using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// Postfix's <c>smtp-source</c>, the wire-speed limit the gateway is compared with: one run of
/// <paramref name="Count"/> messages to a sink, timed, with the CPU it used (the shell's <c>times</c>).
/// </summary>
public static partial class SmtpSource
{
    public const string Path = "/usr/sbin/smtp-source";

    /// <summary>What a run did: its wall time, exit code (-1 when killed at its bound), CPU, and the file holding its output.</summary>
    public sealed record Run(TimeSpan Elapsed, int ExitCode, bool TimedOut, TimeSpan Cpu, string OutputFile);

    /// <summary>
    /// Sends <paramref name="count"/> messages of <paramref name="wireBytes"/> bytes over <paramref name="sessions"/>
    /// sessions to 127.0.0.1:<paramref name="port"/>; <paramref name="reuseConnections"/> is <c>-d</c>. Killed after
    /// 60 s plus 10 ms per message (a failure detector, not a measurement).
    /// </summary>
    public static async Task<Run> RunAsync(string work, string label, int port, int count, long wireBytes, int sessions,
        string from, bool reuseConnections, CancellationToken cancellationToken)
    {
        var outputFile = System.IO.Path.Combine(work, $"{label}.out");
        var timesFile = System.IO.Path.Combine(work, $"{label}.times");
        var command = $"{Path} {(reuseConnections ? "-d " : "")}-c -l {wireBytes} -m {count} -s {sessions} -f {from} -t to@exemple.fr 127.0.0.1:{port} > '{outputFile}' 2>&1; rc=$?; times > '{timesFile}'; exit $rc";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command }, UseShellExecute = false })!;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(60 + count / 100.0));
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            timedOut = true;
        }
        clock.Stop();
        return new Run(clock.Elapsed, timedOut ? -1 : process.ExitCode, timedOut, ChildrenCpu(timesFile), outputFile);
    }

    /// <summary>The children's user + system CPU from the second line of the shell's <c>times</c> output.</summary>
    private static TimeSpan ChildrenCpu(string timesFile)
    {
        var lines = File.Exists(timesFile) ? File.ReadAllLines(timesFile) : [];
        if (lines.Length < 2)
            return TimeSpan.Zero;
        return TimeSpan.FromSeconds(TimesEntry().Matches(lines[1]).Sum(m =>
            int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
    }

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex TimesEntry();
}
