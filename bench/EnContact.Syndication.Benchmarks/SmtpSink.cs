using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// Postfix's smtp-sink on 127.0.0.1 and a free port, as nobody, with <c>-c</c> counters written to a
/// file (the last "mesg=" is the number of messages received); with a dump folder, one file per message.
/// </summary>
internal sealed partial class SmtpSink : IAsyncDisposable
{
    public const string SinkPath = "/usr/sbin/smtp-sink";

    private readonly Process _process;
    private readonly string _counterFile;
    private int _stopped;

    private SmtpSink(Process process, int port, string counterFile)
    {
        _process = process;
        Port = port;
        _counterFile = counterFile;
    }

    public int Port { get; }

    public static async Task<SmtpSink> StartAsync(string work, string label, string? dumpFolder, CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var counterFile = Path.Combine(work, $"sink-{label}.out");
        var dump = "";
        if (dumpFolder is not null)
        {
            Directory.CreateDirectory(dumpFolder);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(dumpFolder, (UnixFileMode)0x1FF); // 0777: the sink writes as nobody
            dump = $"-d '{dumpFolder}/m.' ";
        }
        var process = Process.Start(new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"exec {SinkPath} -u nobody -c {dump}127.0.0.1:{port} 256 > '{counterFile}' 2>&1" },
            UseShellExecute = false,
            WorkingDirectory = work,
        })!;
        var sink = new SmtpSink(process, port, counterFile);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return sink;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(5) && !process.HasExited)
            {
                await Task.Delay(20, cancellationToken);
            }
            catch
            {
                await sink.DisposeAsync();
                throw new InvalidOperationException($"smtp-sink did not listen on 127.0.0.1:{port}: {Tail(counterFile, 500)}");
            }
        }
    }

    /// <summary>User + system CPU time of the sink so far, from /proc.</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Stops the sink and returns the messages it counted.</summary>
    public async Task<long> StopAsync()
    {
        // The counter is written when "." arrives, before the 250: once we have every reply it is final.
        await DisposeAsync();
        return LastNumber(Tail(_counterFile, 400), SinkMessages());
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static readonly long ClockTicksPerSecond = Math.Max(1, SysConf(2)); // _SC_CLK_TCK

    [GeneratedRegex(@"mesg=(\d+)")]
    internal static partial Regex SinkMessages();

    internal static long LastNumber(string text, Regex pattern)
    {
        var matches = pattern.Matches(text.Replace('\r', '\n').TrimEnd());
        return matches.Count == 0 ? -1 : long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    internal static string Tail(string path, int bytes)
    {
        if (!File.Exists(path))
            return "";
        using var stream = File.OpenRead(path);
        stream.Seek(Math.Max(0, stream.Length - bytes), SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadToEnd();
    }
}
