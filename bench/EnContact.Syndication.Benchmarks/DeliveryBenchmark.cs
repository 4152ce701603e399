using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>delivery</c> benchmark.</summary>
public sealed record DeliveryBenchmarkOptions
{
    public int Messages { get; init; } = 10_000;
    /// <summary>Target size of one message on the wire (headers, text and HTML parts), in KiB.</summary>
    public int SizeKb { get; init; } = 60;
    public int Connections { get; init; } = 8;
    public int Runs { get; init; } = 1;
    /// <summary>Each value is a full delivery of the list with that <c>Delivery:BatchSize</c>.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [50, 500];
    /// <summary>Rows per <see cref="OutboxStore.EnqueueAsync"/> call.</summary>
    public int EnqueueChunk { get; init; } = 10_000;
    public int WarmupMessages { get; init; } = 1_000;
    /// <summary>Also time smtp-source opening a new connection per message (its default, without -d).</summary>
    public bool SourceReconnect { get; init; } = true;
    /// <summary>Breakdown after the runs: query plans, per-call costs and the engine with a sender that discards.</summary>
    public bool Breakdown { get; init; } = true;
    /// <summary>Bound on one delivery; default 60 s + N / 250 s.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>Seconds to wait after each delivery, everything sent and the worker still alive, so a heap dump can be taken (dotnet-gcdump collect -p PID).</summary>
    public int HoldSeconds { get; init; }
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
    /// <summary>Sign with a 2048-bit RSA key made for the run, as production does; the warm-up's dumped messages are verified.</summary>
    public bool Dkim { get; init; } = true;
}

/// <summary>
/// N bulk messages of about K KiB (one shared French newsletter body, the unsubscribe URL
/// filled per recipient) queued with <see cref="OutboxStore.EnqueueAsync"/> and sent by the real
/// <see cref="DeliveryWorker"/> over C SMTP connections to Postfix's smtp-sink on 127.0.0.1; in the
/// same run, Postfix's smtp-source sends N messages of the same size over C sessions to a fresh sink:
/// the physical limit of this machine. The sink's own counter must show exactly N messages.
/// </summary>
public sealed partial class DeliveryBenchmark(DeliveryBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    public const string Usage = """
          delivery [--messages N] [--size-kb K] [--connections C] [--runs R] [--batch-sizes B1,B2,…]
                   [--chunk N] [--warmup N] [--no-reconnect-source] [--no-breakdown] [--no-dkim]
                   [--timeout-minutes M] [--hold S] [--work DIR] [--keep]
              N bulk messages of about K KiB queued in the outbox and sent by the DeliveryWorker over C SMTP
              connections to Postfix's smtp-sink on 127.0.0.1, against smtp-source sending the same number
              and size over C sessions (the limit); checks the sink received exactly N. Needs /usr/sbin/smtp-sink
              and smtp-source (Debian package postfix; no Postfix daemon is started) and root (sink runs -u nobody).
              Messages are DKIM-signed with a 2048-bit RSA key made for the run (--no-dkim: unsigned); 100 of the warm-up's
              messages, as the sink dumped them, are verified with MimeKit against the run's public key.
              Then a breakdown (query plans, cost of each outbox call, composing with and without signing, the engine with a discarding sender).
              Defaults: 10000 messages, 60 KiB, 8 connections, 1 run, batch sizes 50,500. Exit code 1 when a check fails.
        """;

    private const string Campaign = "lettre-2026-48";
    private const string FromAddress = "from@en-contact.com";

    private MessageBody _body = null!;
    private int _wireBytes;
    private readonly BenchDkim? _dkim = options.Dkim ? new BenchDkim() : null;
    private BenchDkim.Verification? _verified;

    /// <summary>Parses the mode's arguments (everything after "delivery") and runs it.</summary>
    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var options = BenchArgs.Parse(args, new DeliveryBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--messages" => o with { Messages = a.Count(1) },
            "--size-kb" => o with { SizeKb = a.Count(2) },
            "--connections" => o with { Connections = a.Count(1) },
            "--runs" => o with { Runs = a.Count(1) },
            "--batch-sizes" => o with
            {
                BatchSizes = a.Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 10_000
                        ? v : throw new ArgumentException($"--batch-sizes: '{s}' is not a whole number from 1 to 10000"))
                    .ToArray(),
            },
            "--chunk" => o with { EnqueueChunk = a.Count(1) },
            "--warmup" => o with { WarmupMessages = a.Count(0) },
            "--no-reconnect-source" => o with { SourceReconnect = false },
            "--no-breakdown" => o with { Breakdown = false },
            "--timeout-minutes" => o with { Timeout = TimeSpan.FromMinutes(a.Count(1)) },
            "--hold" => o with { HoldSeconds = a.Count(0) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            "--no-dkim" => o with { Dkim = false },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        if (options.BatchSizes.Count == 0 || options.Connections > 64)
        {
            Console.Error.WriteLine("--batch-sizes needs at least one value and --connections at most 64 (Smtp:Connections)");
            return 2;
        }
        if (!File.Exists(SmtpSink.SinkPath) || !File.Exists(SmtpSource.Path))
        {
            Console.Error.WriteLine($"{SmtpSink.SinkPath} and {SmtpSource.Path} are needed: apt-get install postfix (\"No configuration\"), then make sure no Postfix master runs.");
            return 2;
        }
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("smtp-sink is started with -u nobody, which needs root.");
            return 2;
        }

        return await CheckedBenchmark.RunInterruptiblyAsync(new DeliveryBenchmark(options, output).RunAsync);
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-delivery-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(Path.Combine(work, "content"));
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        try
        {
            output.WriteLine($"Work folder: {work}");
            output.WriteLine($"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {GCSettings.LatencyMode != GCLatencyMode.Batch}; {Environment.ProcessorCount} CPUs; load {loadBefore}");
            _body = NewsletterGenerator.Create(options.SizeKb * 1024);
            _wireBytes = WireSize(_body);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Body: text {Encoding.UTF8.GetByteCount(_body.TextBody) / 1024.0:0.0} KiB + HTML {Encoding.UTF8.GetByteCount(_body.HtmlBody) / 1024.0:0.0} KiB; one composed message is {_wireBytes:N0} bytes on the wire (smtp-source sends -l {_wireBytes})"));

            if (options.WarmupMessages > 0)
            {
                output.WriteLine($"Warm-up: {options.WarmupMessages} messages, batch size {options.BatchSizes[0]}, to a sink that dumps them…");
                var warmup = await DeliverAsync(work, "warmup", options.WarmupMessages, options.BatchSizes[0], dump: true, cancellationToken);
                if (_failures.Count > 0)
                    return Fail();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {warmup.Rate:N0} msg/s; the sink wrote {warmup.DumpedFiles} files of {warmup.DumpedAverageBytes:N0} bytes on average (its own ~300 bytes of trace headers included)"));
                if (warmup.Verified is { } v)
                    output.WriteLine($"  DKIM: {v.Verified} of {Math.Min(100, v.Files)} of them verify with MimeKit and the run's public key");
                _verified = warmup.Verified;
            }

            var runs = new List<RunResult>();
            for (var run = 0; run < options.Runs; run++)
            {
                var result = new RunResult();
                foreach (var batchSize in options.BatchSizes)
                {
                    var ours = await DeliverAsync(work, $"run{run + 1}-b{batchSize}", options.Messages, batchSize, dump: false, cancellationToken);
                    if (_failures.Count > 0)
                        return Fail();
                    result.Ours[batchSize] = ours;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  run {run + 1}/{options.Runs}, batch {batchSize}: {ours.Rate:N0} msg/s ({ours.Elapsed.TotalSeconds:0.00} s), CPU {ours.CpuPerMessageUs:N0} µs/msg ours + {ours.SinkCpu.TotalSeconds:0.0} s sink, allocated {ours.Allocated / 1048576.0:N0} MiB, peak working set {Mib(ours.PeakWorkingSet)} (lifetime {Mib(ours.LifetimePeakWorkingSet)}), GC heap ≤ {Mib(ours.PeakGcHeap)}, live heap after {Mib(ours.LiveHeapAfter)}; enqueue {ours.EnqueueElapsed.TotalSeconds:0.00} s"));
                }

                result.Source = await SourceAsync(work, options.Messages, reuseConnections: true, cancellationToken);
                if (_failures.Count > 0)
                    return Fail();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {run + 1}/{options.Runs}, smtp-source -d ({options.Connections} sessions, connections kept): {result.Source.Rate:N0} msg/s ({result.Source.Elapsed.TotalSeconds:0.00} s), CPU {result.Source.SourceCpu.TotalSeconds:0.0} s source + {result.Source.SinkCpu.TotalSeconds:0.0} s sink"));
                if (options.SourceReconnect)
                {
                    result.SourceReconnect = await SourceAsync(work, options.Messages, reuseConnections: false, cancellationToken);
                    if (_failures.Count > 0)
                        return Fail();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  run {run + 1}/{options.Runs}, smtp-source without -d (a new connection per message): {result.SourceReconnect.Rate:N0} msg/s ({result.SourceReconnect.Elapsed.TotalSeconds:0.00} s)"));
                }
                runs.Add(result);
            }

            Breakdown? breakdown = null;
            if (options.Breakdown)
            {
                var best = options.BatchSizes.OrderByDescending(b => Stats.Median(runs.Select(r => r.Ours[b].Rate))).First();
                breakdown = await BreakdownAsync(work, best, cancellationToken);
                if (_failures.Count > 0)
                    return Fail();
            }

            return Succeed(output, $"every delivery sent exactly {options.Messages} messages (outbox and smtp-sink's counter agree), nothing failed or was retried; smtp-source delivered {options.Messages} too.", Report(runs, breakdown, started, loadBefore, LoadAverage()));
        }
        finally
        {
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(work, recursive: true);
        }
    }


    // ------------------------------------------------------------------ our delivery

    private sealed class DeliveryResult
    {
        public TimeSpan Elapsed;
        public TimeSpan EnqueueElapsed;
        public double Rate;
        public double EnqueueRate;
        public TimeSpan Cpu;
        public double CpuPerMessageUs;
        public long Allocated;
        public int Gen0, Gen1, Gen2;
        public long PeakWorkingSet;
        public long LifetimePeakWorkingSet;
        public long PeakGcHeap;
        public long LiveHeapAfter;
        public long StartWorkingSet;
        public TimeSpan SinkCpu;
        public int DumpedFiles;
        public BenchDkim.Verification? Verified;
        public double DumpedAverageBytes;
        public long DatabaseBytes;
        public List<(TimeSpan At, long Sent, long WorkingSet, long GcHeap)> Timeline = [];
    }

    private sealed class RunResult
    {
        public Dictionary<int, DeliveryResult> Ours { get; } = [];
        public SourceResult Source { get; set; } = null!;
        public SourceResult? SourceReconnect { get; set; }
    }

    private Dictionary<string, string?> GatewaySettingsFor(int port, int batchSize) => new()
    {
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
        ["Smtp:Security"] = "None",
        ["Smtp:Connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
        ["Delivery:BatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
        ["Dkim:Domain"] = _dkim?.Settings["Dkim:Domain"],
        ["Dkim:Selector"] = _dkim?.Settings["Dkim:Selector"],
        ["Dkim:PrivateKey"] = _dkim?.Settings["Dkim:PrivateKey"],
    };

    /// <summary>One delivery of <paramref name="count"/> messages on a fresh database to a fresh sink, by the registered worker and sender.</summary>
    private async Task<DeliveryResult> DeliverAsync(string work, string label, int count, int batchSize, bool dump, CancellationToken cancellationToken)
    {
        var result = new DeliveryResult();
        var dumpFolder = dump ? Path.Combine(work, $"dump-{label}") : null;
        await using var sink = await SmtpSink.StartAsync(work, label, dumpFolder, cancellationToken);
        var database = Path.Combine(work, "data", $"delivery-{label}.db");
        await using (var gateway = await BenchGateway.CreateAsync(work, Path.Combine(work, "content"), database, cancellationToken, GatewaySettingsFor(sink.Port, batchSize)))
        {
            var outbox = gateway.Services.GetRequiredService<OutboxStore>();
            result.EnqueueElapsed = await EnqueueAsync(outbox, Campaign, count, cancellationToken);
            result.EnqueueRate = count / result.EnqueueElapsed.TotalSeconds;
            Check(await CountAsync(gateway.Connections, "status = 'pending'", cancellationToken) == count, $"{label}: the outbox does not hold {count} pending messages after enqueuing");

            var worker = gateway.Services.GetServices<IHostedService>().OfType<DeliveryWorker>().Single();
            await MeasureDeliveryAsync(result, gateway.Connections, count, sink, () => worker.StartAsync(cancellationToken), () => worker.StopAsync(CancellationToken.None), label, cancellationToken);

            var progress = (await gateway.Services.GetRequiredService<CampaignControl>().ProgressAsync(Campaign, cancellationToken)).Single();
            Check(progress.Sent == count && progress.Failed == 0 && progress.Pending == 0 && progress.Sending == 0 && progress.Suppressed == 0,
                $"{label}: outbox says {progress}, expected {count} sent and nothing else");
            var retried = await CountAsync(gateway.Connections, "attempts <> 1", cancellationToken);
            Check(retried == 0, $"{label}: {retried} messages took more than one attempt");
            result.DatabaseBytes = new[] { "", "-wal" }.Sum(s => File.Exists(database + s) ? new FileInfo(database + s).Length : 0);
        } // disposing the app says QUIT on each pooled connection

        var received = await sink.StopAsync();
        Check(received == count, $"{label}: smtp-sink counted {received} messages, expected {count}");
        if (dumpFolder is not null)
        {
            var files = Directory.GetFiles(dumpFolder);
            result.DumpedFiles = files.Length;
            result.DumpedAverageBytes = files.Length == 0 ? 0 : files.Average(f => new FileInfo(f).Length);
            Check(files.Length == count, $"{label}: smtp-sink dumped {files.Length} messages, expected {count}");
            if (_dkim is not null)
            {
                result.Verified = await _dkim.VerifyDumpsAsync(dumpFolder, 100, 20261127, cancellationToken);
                var wanted = Math.Min(100, files.Length);
                Check(result.Verified.Verified == wanted, $"{label}: DKIM: {result.Verified.Verified} of {wanted} sunk messages verify: {string.Join("; ", result.Verified.Failures.Take(5))}");
            }
            Directory.Delete(dumpFolder, recursive: true);
        }
        return result;
    }

    /// <summary>Starts the sending, samples memory every 250 ms and polls the outbox every second until nothing is pending or sending.</summary>
    private async Task MeasureDeliveryAsync(DeliveryResult result, Database connections, int count, SmtpSink? sink,
        Func<Task> start, Func<Task> stop, string label, CancellationToken cancellationToken)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        result.StartWorkingSet = self.WorkingSet64;
        long peakWorkingSet = self.WorkingSet64, peakHeap = GC.GetTotalMemory(false);
        var sinkCpuBefore = sink?.CpuTime() ?? TimeSpan.Zero;
        var cpuBefore = self.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        // Bounded: a tenth of the single-session limit that was first measured would take N / 250 s.
        var deadline = options.Timeout ?? TimeSpan.FromSeconds(60 + count / 250.0);

        await start();
        using (var sampling = new CancellationTokenSource())
        {
            var sampler = Task.Run(async () =>
            {
                using var me = Process.GetCurrentProcess();
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
                try
                {
                    while (await timer.WaitForNextTickAsync(sampling.Token))
                    {
                        me.Refresh();
                        peakWorkingSet = Math.Max(peakWorkingSet, me.WorkingSet64);
                        peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);

            var nextDecile = 1;
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                var open = await CountAsync(connections, "status IN ('pending', 'sending')", cancellationToken);
                var sent = count - open;
                while (nextDecile <= 10 && sent * 10 >= (long)count * nextDecile)
                {
                    self.Refresh();
                    result.Timeline.Add((clock.Elapsed, sent, self.WorkingSet64, GC.GetTotalMemory(false)));
                    nextDecile++;
                }
                if (open == 0)
                    break;
                if (clock.Elapsed > deadline)
                {
                    _failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{label}: {open} of {count} messages still unsent after {clock.Elapsed.TotalSeconds:0} s (bound {deadline.TotalSeconds:0} s; {sent / clock.Elapsed.TotalSeconds:0} msg/s so far)"));
                    break;
                }
            }
            clock.Stop();
            var cpuAfter = self.TotalProcessorTime;
            var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
            result.Gen0 = GC.CollectionCount(0) - gen0;
            result.Gen1 = GC.CollectionCount(1) - gen1;
            result.Gen2 = GC.CollectionCount(2) - gen2;
            result.SinkCpu = (sink?.CpuTime() ?? TimeSpan.Zero) - sinkCpuBefore;
            await sampling.CancelAsync();
            await sampler;
            // What the engine still holds once everything is sent (the worker is idle, not yet stopped).
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            result.LiveHeapAfter = GC.GetTotalMemory(forceFullCollection: true);
            if (options.HoldSeconds > 0)
            {
                output.WriteLine($"  {label}: all sent, live heap {Mib(result.LiveHeapAfter)}; holding {options.HoldSeconds} s for a heap dump of process {Environment.ProcessId}…");
                await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), cancellationToken);
            }
            await stop();

            // The poll's granularity is a second: the end is when the last message was marked sent.
            var lastSent = await ScalarAsync(connections, "SELECT MAX(sent_at) FROM outbox", cancellationToken);
            var elapsed = lastSent is string text ? SqlValues.ReadInstant(text) - startedAt : clock.Elapsed;
            result.Elapsed = elapsed > TimeSpan.Zero && elapsed <= clock.Elapsed ? elapsed : clock.Elapsed;
            result.Rate = count / result.Elapsed.TotalSeconds;
            result.Cpu = cpuAfter - cpuBefore;
            result.CpuPerMessageUs = result.Cpu.TotalMicroseconds / count;
            result.Allocated = allocatedAfter - allocatedBefore;
        }
        self.Refresh();
        result.PeakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
        result.LifetimePeakWorkingSet = self.PeakWorkingSet64;
        result.PeakGcHeap = peakHeap;
    }

    /// <summary>Queues <paramref name="count"/> bulk messages in chunks; only one chunk of requests exists at a time. Returns the time spent in EnqueueAsync.</summary>
    private async Task<TimeSpan> EnqueueAsync(OutboxStore outbox, string campaign, int count, CancellationToken cancellationToken)
    {
        var inEnqueue = TimeSpan.Zero;
        var inserted = 0;
        using var hmac = new HMACSHA256(Encoding.ASCII.GetBytes("bench-unsubscribe-signing-key-not-a-secret"));
        for (var first = 0; first < count; first += options.EnqueueChunk)
        {
            var chunk = new List<OutboxRequest>(Math.Min(options.EnqueueChunk, count - first));
            for (var i = first; i < first + chunk.Capacity; i++)
            {
                var (address, name) = NewsletterGenerator.Recipient(i);
                var token = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{campaign}|{address}"))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var url = $"https://www.en-contact.com/desinscription?liste=lettre&t={token}";
                chunk.Add(new OutboxRequest
                {
                    Campaign = campaign,
                    Kind = MailKind.Bulk,
                    RecipientAddress = address,
                    RecipientName = name,
                    UnsubscribeUrl = url,
                    Variables = new Dictionary<string, string> { ["unsubscribe_url"] = url },
                });
            }
            var clock = Stopwatch.StartNew();
            inserted += await outbox.EnqueueAsync(_body, chunk, cancellationToken);
            inEnqueue += clock.Elapsed;
        }
        Check(inserted == count, $"EnqueueAsync reported {inserted} new messages, expected {count}");
        return inEnqueue;
    }

    private static async Task<long> CountAsync(Database connections, string where, CancellationToken cancellationToken) =>
        Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(*) FROM outbox WHERE {where}", cancellationToken));

    private static async Task<object?> ScalarAsync(Database connections, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    // ------------------------------------------------------------------ the limit: smtp-source

    private sealed record SourceResult(TimeSpan Elapsed, double Rate, TimeSpan SourceCpu, TimeSpan SinkCpu);

    private async Task<SourceResult> SourceAsync(string work, int count, bool reuseConnections, CancellationToken cancellationToken)
    {
        var label = reuseConnections ? "source" : "source-reconnect";
        await using var sink = await SmtpSink.StartAsync(work, label, null, cancellationToken);
        var sinkCpuBefore = sink.CpuTime();
        var run = await SmtpSource.RunAsync(work, label, sink.Port, count, _wireBytes, options.Connections, FromAddress, reuseConnections, cancellationToken);
        var sinkCpu = sink.CpuTime() - sinkCpuBefore;
        if (run.TimedOut)
            _failures.Add($"{label}: smtp-source did not finish within its bound");
        Check(run.ExitCode == 0, $"{label}: smtp-source exited with {run.ExitCode}: {SmtpSink.Tail(run.OutputFile, 300)}");
        var counter = SmtpSink.LastNumber(SmtpSink.Tail(run.OutputFile, 200), SourceCounter());
        Check(counter == count, $"{label}: smtp-source's counter ended at {counter}, expected {count}");
        var received = await sink.StopAsync();
        Check(received == count, $"{label}: smtp-sink counted {received} messages from smtp-source, expected {count}");
        return new SourceResult(run.Elapsed, count / run.Elapsed.TotalSeconds, run.Cpu, sinkCpu);
    }

    /// <summary>The second line of sh's <c>times</c>: user and system time of its children ("0m0.19s 0m1.35s").</summary>
    [GeneratedRegex(@"(\d+)\s*$")]
    private static partial Regex SourceCounter();



    // ------------------------------------------------------------------ breakdown

    private sealed class Breakdown
    {
        public int BatchSize;
        public long Rows;
        public readonly List<(string Statement, string Plan)> Plans = [];
        public double ProgressMs;
        public double ClaimMs;
        public double SelectWithBodiesMs;
        public double SelectKeysOnlyMs;
        public double ComposeUs;
        public double ComposeKb;
        public BenchDkim.CompositionCost? Signed;
        public BenchDkim.CompositionCost? Unsigned;
        public double MarkSentUs;
        public double MarkSentParallelUs;
        public DeliveryResult Discard = null!;
    }

    /// <summary>
    /// Where the time goes, on a database that already holds N sent rows plus N pending ones of a second
    /// edition: query plans of the claim and progress statements, the cost of one ProgressAsync, one
    /// ClaimAsync, composing and serialising one message, one MarkSentAsync, and the whole engine with a
    /// sender that discards the message after serialising it (no network, no sink).
    /// </summary>
    private async Task<Breakdown> BreakdownAsync(string work, int batchSize, CancellationToken cancellationToken)
    {
        output.WriteLine($"Breakdown with batch size {batchSize}…");
        var result = new Breakdown { BatchSize = batchSize };
        var database = Path.Combine(work, "data", "delivery-breakdown.db");
        const string second = "lettre-2026-49";
        // The settings name a relay that is never contacted: the worker below gets a sender that discards.
        await using var gateway = await BenchGateway.CreateAsync(work, Path.Combine(work, "content"), database, cancellationToken, GatewaySettingsFor(2525, batchSize));
        var services = gateway.Services;
        var outbox = services.GetRequiredService<OutboxStore>();
        var composer = services.GetRequiredService<MessageComposer>();

        // N rows already sent (a past edition), then N pending for this one.
        await EnqueueAsync(outbox, Campaign, options.Messages, cancellationToken);
        await ExecuteAsync(gateway.Connections, "UPDATE outbox SET status = 'sent', attempts = 1, sent_at = created_at, smtp_reply = '250 2.0.0 Ok: queued as 0123ABCD'", cancellationToken);
        await EnqueueAsync(outbox, second, options.Messages, cancellationToken);
        result.Rows = await CountAsync(gateway.Connections, "1 = 1", cancellationToken);

        var now = SqlValues.Instant(DateTimeOffset.UtcNow);
        const string due = "((o.status = 'pending' AND o.next_attempt_at <= @now) OR (o.status = 'sending' AND o.lease_until <= @now))";
        foreach (var (name, sql) in new[]
        {
            ("ClaimAsync: suppressed rows", $"UPDATE outbox SET status = 'suppressed' WHERE message_key IN (SELECT o.message_key FROM outbox o JOIN suppressions s ON s.address = o.recipient WHERE {due})"),
            ("ClaimAsync: due rows", $"SELECT o.message_key FROM outbox o JOIN outbox_bodies b ON b.body_key = o.body_key LEFT JOIN campaigns c ON c.campaign = o.campaign WHERE {due} AND (c.state IS NULL OR c.state = 'active') ORDER BY o.priority, o.next_attempt_at, o.message_key LIMIT 50"),
            ("ProgressAsync(edition)", "SELECT o.campaign, COUNT(*), SUM(CASE WHEN o.status = 'sent' AND o.sent_at >= @now THEN 1 ELSE 0 END) FROM outbox o LEFT JOIN campaigns c ON c.campaign = o.campaign WHERE o.campaign = 'x' GROUP BY o.campaign, c.state, c.reason"),
            ("MarkSentAsync", "UPDATE outbox SET status = 'sent', sent_at = @now WHERE message_key = 'x' AND status = 'sending'"),
        })
            result.Plans.Add((name, await PlanAsync(gateway.Connections, sql, now, cancellationToken)));

        // ProgressAsync over the edition (the worker calls it after every batch).
        var progressTimes = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var clock = Stopwatch.StartNew();
            await services.GetRequiredService<CampaignControl>().ProgressAsync(second, cancellationToken);
            progressTimes.Add(clock.Elapsed.TotalMilliseconds);
        }
        result.ProgressMs = Stats.Median(progressTimes);

        // ClaimAsync of one batch (then the items go back as they were).
        var claimTimes = new List<double>();
        var owner = "breakdown";
        List<OutboxItem> claimed = [];
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var items = await outbox.ClaimAsync(owner, batchSize, cancellationToken);
            claimTimes.Add(clock.Elapsed.TotalMilliseconds);
            Check(items.Count == batchSize, $"breakdown: ClaimAsync returned {items.Count} items, expected {batchSize}");
            if (i < 4)
                foreach (var item in items)
                    await outbox.ReleaseAsync(item, TimeSpan.Zero, null, cancellationToken);
            else
                claimed = [.. items];
        }
        result.ClaimMs = Stats.Median(claimTimes);

        // ClaimAsync's SELECT as it is (every due row's bodies go through the ORDER BY sorter) against the
        // same ordering over keys only, then one body read: what the claim would cost if it sorted keys.
        var withBodies = $"SELECT o.message_key, o.campaign, o.kind, o.recipient, o.recipient_name, b.subject, b.text_body, b.html_body, o.variables_json, o.unsubscribe_url, o.message_id, o.attempts FROM outbox o JOIN outbox_bodies b ON b.body_key = o.body_key LEFT JOIN campaigns c ON c.campaign = o.campaign WHERE {due} AND (c.state IS NULL OR c.state = 'active') ORDER BY o.priority, o.next_attempt_at, o.message_key LIMIT {batchSize}";
        var keysOnly = $"SELECT o.message_key, o.campaign, o.kind, o.recipient, o.recipient_name, o.body_key, o.variables_json, o.unsubscribe_url, o.message_id, o.attempts FROM outbox o LEFT JOIN campaigns c ON c.campaign = o.campaign WHERE {due} AND (c.state IS NULL OR c.state = 'active') ORDER BY o.priority, o.next_attempt_at, o.message_key LIMIT {batchSize}";
        result.SelectWithBodiesMs = await TimeReaderAsync(gateway.Connections, withBodies, cancellationToken);
        result.SelectKeysOnlyMs = await TimeReaderAsync(gateway.Connections, keysOnly, cancellationToken)
            + await TimeReaderAsync(gateway.Connections, "SELECT subject, text_body, html_body FROM outbox_bodies LIMIT 1", cancellationToken);
        result.Plans.Add(("ClaimAsync's SELECT over keys only", await PlanAsync(gateway.Connections, keysOnly, now, cancellationToken)));

        // Compose + serialise as MailKit does (8BITMIME relay), one thread.
        var composeClock = Stopwatch.StartNew();
        var composeAllocated = GC.GetTotalAllocatedBytes(precise: true);
        var rounds = Math.Max(1, 2000 / claimed.Count);
        for (var r = 0; r < rounds; r++)
            foreach (var item in claimed)
                Serialize(composer.Compose(item), Stream.Null);
        var composed = rounds * claimed.Count;
        result.ComposeUs = composeClock.Elapsed.TotalMicroseconds / composed;
        result.ComposeKb = (GC.GetTotalAllocatedBytes(precise: true) - composeAllocated) / 1024.0 / composed;
        // Signing's share: the same messages with the gateway's composer and with one that does not sign (CPU of this thread, CRLF as SMTP writes).
        using (var unsigned = new MessageComposer(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeliveryOptions>>(), Microsoft.Extensions.Options.Options.Create(new DkimOptions()),
            services.GetRequiredService<IHostEnvironment>(), TimeProvider.System))
            result.Unsigned = BenchDkim.Measure(unsigned, claimed, rounds);
        if (_dkim is not null)
            result.Signed = BenchDkim.Measure(composer, claimed, rounds);

        // MarkSentAsync: one write transaction per message; alone, then from C lanes at once.
        var half = claimed.Count / 2;
        var markClock = Stopwatch.StartNew();
        foreach (var item in claimed.Take(half))
            await outbox.MarkSentAsync(item, "250 2.0.0 Ok: queued as 0123ABCD", cancellationToken);
        result.MarkSentUs = markClock.Elapsed.TotalMicroseconds / Math.Max(1, half);
        var rest = new System.Collections.Concurrent.ConcurrentQueue<OutboxItem>(claimed.Skip(half));
        var restCount = rest.Count;
        markClock.Restart();
        await Task.WhenAll(Enumerable.Range(0, options.Connections).Select(_ => Task.Run(async () =>
        {
            while (rest.TryDequeue(out var item))
                await outbox.MarkSentAsync(item, "250 2.0.0 Ok: queued as 0123ABCD", cancellationToken);
        }, cancellationToken)));
        result.MarkSentParallelUs = markClock.Elapsed.TotalMicroseconds / Math.Max(1, restCount);

        // The whole engine with a sender that serialises and discards: what the outbox and composer allow without any network.
        var remaining = (int)await CountAsync(gateway.Connections, "status = 'pending'", cancellationToken);
        var discard = new DiscardSender();
        var worker = ActivatorUtilities.CreateInstance<DeliveryWorker>(services, (IMailSender)discard);
        result.Discard = new DeliveryResult();
        await MeasureDeliveryAsync(result.Discard, gateway.Connections, remaining, null,
                () => worker.StartAsync(cancellationToken), () => worker.StopAsync(CancellationToken.None), "breakdown (discarding sender)", cancellationToken);
        Check(discard.Count == remaining, $"breakdown: the discarding sender got {discard.Count} messages, expected {remaining}");
        var sentSecond = await CountAsync(gateway.Connections, $"campaign = '{second}' AND status = 'sent'", cancellationToken);
        Check(sentSecond == options.Messages, $"breakdown: {sentSecond} of {options.Messages} messages of the second edition are sent");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ProgressAsync {result.ProgressMs:0.0} ms, ClaimAsync({batchSize}) {result.ClaimMs:0.0} ms (its SELECT {result.SelectWithBodiesMs:0.0} ms; over keys only + one body {result.SelectKeysOnlyMs:0.0} ms), compose+serialise {result.ComposeUs:0} µs ({result.ComposeKb:0} KiB allocated), MarkSentAsync {result.MarkSentUs:0} µs alone / {result.MarkSentParallelUs:0} µs with {options.Connections} lanes; engine with a discarding sender {result.Discard.Rate:N0} msg/s"));
        return result;
    }

    /// <summary>Median of 5 runs of a query, reading every column of every row.</summary>
    private static async Task<double> TimeReaderAsync(Database connections, string sql, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        await using var connection = await connections.OpenAsync(cancellationToken);
        for (var i = 0; i < 5; i++)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("@now", SqlValues.Instant(DateTimeOffset.UtcNow));
            var clock = Stopwatch.StartNew();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                for (var f = 0; f < reader.FieldCount; f++)
                    _ = reader.GetValue(f);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Stats.Median(times);
    }

    private static async Task<string> PlanAsync(Database connections, string sql, string now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        command.Parameters.AddWithValue("@now", now);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(reader.GetString(3));
        return string.Join("; ", lines);
    }

    private static async Task ExecuteAsync(Database connections, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>What MailKit does with a message before DATA when the relay announces 8BITMIME.</summary>
    private static void Serialize(MimeMessage message, Stream stream)
    {
        message.Prepare(EncodingConstraint.EightBit, 998);
        message.WriteTo(FormatOptions.Default, stream);
    }

    /// <summary>Serialises the message and throws it away, yielding first as a socket write would.</summary>
    private sealed class DiscardSender : IMailSender
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);
        public string Description => "discard";

        public async Task<SendReceipt> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Serialize(message, Stream.Null);
            Interlocked.Increment(ref _count);
            return new SendReceipt("250 2.0.0 Ok: discarded");
        }
    }

    private static int WireSize(MessageBody body)
    {
        var (address, name) = NewsletterGenerator.Recipient(0);
        var url = "https://www.en-contact.com/desinscription?liste=lettre&t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        var composer = new MessageComposer(
            Microsoft.Extensions.Options.Options.Create(new DeliveryOptions()),
            Microsoft.Extensions.Options.Options.Create(new DkimOptions()),
            new BenchHostEnvironment(), TimeProvider.System);
        var message = composer.Compose(new OutboxItem
        {
            MessageKey = OutboxStore.KeyOf(Campaign, address),
            Campaign = Campaign,
            Kind = MailKind.Bulk,
            Recipient = address,
            RecipientName = name,
            Body = body,
            Variables = new Dictionary<string, string> { ["unsubscribe_url"] = url },
            UnsubscribeUrl = url,
            MessageId = OutboxStore.MessageIdOf(OutboxStore.KeyOf(Campaign, address), "en-contact.com"),
            Attempts = 1,
        });
        using var counter = new MemoryStream();
        Serialize(message, counter);
        return (int)counter.Length;
    }

    private sealed class BenchHostEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "bench";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    // ------------------------------------------------------------------ report


    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    private string Report(List<RunResult> runs, Breakdown? breakdown, DateTimeOffset started, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var n = options.Messages;
        var c = options.Connections;
        var text = new StringBuilder();
        text.AppendLine(inv, $"{n:N0} messages of {_wireBytes:N0} bytes ({_wireBytes / 1024.0:0.0} KiB on the wire), {c} SMTP connection(s), {runs.Count} run(s), started {started:yyyy-MM-dd HH:mm} UTC, load average {loadBefore} → {loadAfter}. "
            + $"GC: {(GCSettings.IsServerGC ? "server" : "workstation")} (the bench executable; the gateway itself is an ASP.NET Core app and uses server GC by default).");
        text.AppendLine();
        text.AppendLine(options.Dkim
            ? $"DKIM: every message signed rsa-sha256 (relaxed/relaxed) with a 2048-bit RSA key made for the run; {(_verified is { } v ? $"{v.Verified} of {Math.Min(100, v.Files)} of the warm-up's messages, as smtp-sink dumped them, verify with MimeKit's DkimVerifier and the run's public key" : "no warm-up, so no sunk message was verified")}."
            : "DKIM: off (--no-dkim).");
        text.AppendLine();
        text.AppendLine("| Sender | msg/s (median) | min – max | Ratio to smtp-source -d | CPU ours (µs/msg) | Allocated | Peak working set (sampled / lifetime) | GC heap peak | Live heap once all sent |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        double Med(IEnumerable<double> v) => Stats.Median(v);
        foreach (var b in options.BatchSizes)
        {
            var rates = runs.Select(r => r.Ours[b].Rate).ToArray();
            var ratios = runs.Select(r => r.Ours[b].Rate / r.Source.Rate).ToArray();
            var last = runs.OrderBy(r => r.Ours[b].Rate).ElementAt(runs.Count / 2).Ours[b];
            text.AppendLine(inv, $"| DeliveryWorker → MailKit, `Delivery:BatchSize` = {b} | {Med(rates):N0} | {Stats.Min(rates):N0} – {Stats.Max(rates):N0} | {Med(ratios):0.00} | {Med(runs.Select(r => r.Ours[b].CpuPerMessageUs)):N0} | {Med(runs.Select(r => (double)r.Ours[b].Allocated)) / 1048576.0:N0} MiB ({Med(runs.Select(r => (double)r.Ours[b].Allocated / n)) / 1024.0:N0} KiB/msg) | {Mib(last.PeakWorkingSet)} / {Mib(last.LifetimePeakWorkingSet)} | {Mib(last.PeakGcHeap)} | {Mib(last.LiveHeapAfter)} |");
        }
        var source = runs.Select(r => r.Source.Rate).ToArray();
        text.AppendLine(inv, $"| smtp-source -d (limit: {c} sessions, connections kept) | {Med(source):N0} | {Stats.Min(source):N0} – {Stats.Max(source):N0} | 1.00 | – | – | – | – | – |");
        if (runs.All(r => r.SourceReconnect is not null))
        {
            var reconnect = runs.Select(r => r.SourceReconnect!.Rate).ToArray();
            text.AppendLine(inv, $"| smtp-source without -d (new connection per message) | {Med(reconnect):N0} | {Stats.Min(reconnect):N0} – {Stats.Max(reconnect):N0} | {Med(runs.Select(r => r.SourceReconnect!.Rate / r.Source.Rate)):0.00} | – | – | – | – | – |");
        }
        text.AppendLine();

        text.AppendLine("| Per run (median) | " + string.Join(" | ", options.BatchSizes.Select(b => $"batch {b}")) + " | smtp-source -d |");
        text.AppendLine("|---|" + string.Concat(options.BatchSizes.Select(_ => "---:|")) + "---:|");
        string Row(string name, Func<DeliveryResult, string> value, string sourceValue) =>
            $"| {name} | " + string.Join(" | ", options.BatchSizes.Select(b => value(runs.OrderBy(r => r.Ours[b].Rate).ElementAt(runs.Count / 2).Ours[b]))) + $" | {sourceValue} |";
        text.AppendLine(Row("Wall time", r => $"{r.Elapsed.TotalSeconds.ToString("0.00", inv)} s", $"{Med(runs.Select(r => r.Source.Elapsed.TotalSeconds)).ToString("0.00", inv)} s"));
        text.AppendLine(Row("CPU, our process (of 2 × wall available)", r => $"{r.Cpu.TotalSeconds.ToString("0.0", inv)} s", $"{Med(runs.Select(r => r.Source.SourceCpu.TotalSeconds)).ToString("0.0", inv)} s (smtp-source)"));
        text.AppendLine(Row("CPU, smtp-sink", r => $"{r.SinkCpu.TotalSeconds.ToString("0.0", inv)} s", $"{Med(runs.Select(r => r.Source.SinkCpu.TotalSeconds)).ToString("0.0", inv)} s"));
        text.AppendLine(Row("GCs gen0 / gen1 / gen2", r => $"{r.Gen0} / {r.Gen1} / {r.Gen2}", "–"));
        text.AppendLine(Row("Enqueue (EnqueueAsync, chunks of " + options.EnqueueChunk.ToString("N0", inv) + ")", r => $"{r.EnqueueElapsed.TotalSeconds.ToString("0.00", inv)} s ({r.EnqueueRate.ToString("N0", inv)} rows/s)", "–"));
        text.AppendLine(Row("Database after the run (+ WAL)", r => Mib(r.DatabaseBytes), "–"));
        text.AppendLine(Row("Working set at start of sending → at 10 / 50 / 100 % sent",
            r => $"{Mib(r.StartWorkingSet)} → " + string.Join(" / ", new[] { 0, 4, 9 }.Where(i => i < r.Timeline.Count).Select(i => (r.Timeline[i].WorkingSet / 1048576.0).ToString("N0", inv))) + " MiB", "–"));
        text.AppendLine();

        if (breakdown is not null)
        {
            var d = breakdown.Discard;
            text.AppendLine(inv, $"Breakdown (batch size {breakdown.BatchSize}, database holding {breakdown.Rows:N0} rows: {n:N0} sent of an earlier edition + {n:N0} pending):");
            text.AppendLine();
            text.AppendLine("| Step | Cost |");
            text.AppendLine("|---|---:|");
            text.AppendLine(inv, $"| `OutboxStore.ProgressAsync(edition)` (the worker calls it after every batch) | {breakdown.ProgressMs:0.0} ms |");
            text.AppendLine(inv, $"| `OutboxStore.ClaimAsync` of {breakdown.BatchSize} | {breakdown.ClaimMs:0.0} ms ({breakdown.ClaimMs * 1000 / breakdown.BatchSize:0} µs/msg) |");
            text.AppendLine(inv, $"| … its SELECT alone (bodies joined before the ORDER BY … LIMIT) | {breakdown.SelectWithBodiesMs:0.0} ms |");
            text.AppendLine(inv, $"| … the same SELECT without the body columns, plus reading the one body | {breakdown.SelectKeysOnlyMs:0.0} ms |");
            text.AppendLine(inv, $"| `MessageComposer.Compose` + MIME serialisation (1 thread) | {breakdown.ComposeUs:0} µs/msg, {breakdown.ComposeKb:0} KiB allocated |");
            if (breakdown.Unsigned is { } plain)
                text.AppendLine(inv, $"| … CPU of this thread, unsigned{(breakdown.Signed is { } signed ? $" / signed (signing {signed.CpuMicros - plain.CpuMicros:0} µs)" : "")} | {plain.CpuMicros:0} µs, {plain.AllocatedKiB:0.0} KiB{(breakdown.Signed is { } s2 ? $" / {s2.CpuMicros:0} µs, {s2.AllocatedKiB:0.0} KiB" : "")} |");
            text.AppendLine(inv, $"| `OutboxStore.MarkSentAsync` alone / from {c} lanes at once | {breakdown.MarkSentUs:0} µs / {breakdown.MarkSentParallelUs:0} µs per msg |");
            text.AppendLine(inv, $"| Whole engine with a sender that serialises and discards (no network) | {d.Rate:N0} msg/s, {d.CpuPerMessageUs:N0} µs CPU/msg, {d.Allocated / 1024.0 / Math.Max(1, (double)n):N0} KiB/msg allocated, live heap once sent {Mib(d.LiveHeapAfter)} |");
            text.AppendLine();
            text.AppendLine("Query plans:");
            text.AppendLine();
            foreach (var (statement, plan) in breakdown.Plans)
                text.AppendLine($"- {statement}: `{plan}`");
        }
        return text.ToString().TrimEnd();
    }
}

/// <summary>A realistic French newsletter (HTML with inline styles and tables, plus its text version), deterministic, grown to a target size.</summary>
public static class NewsletterGenerator
{
    private static readonly string[] Titles =
    [
        "Réforme des retraites : ce que prévoit le nouveau calendrier",
        "Énergie : les collectivités face à la hausse des tarifs réglementés",
        "Municipales 2026 : les alliances se dessinent à Lyon et à Marseille",
        "Santé : l’hôpital public cherche encore ses infirmières",
        "Budget : Bercy promet un effort « sans précédent » sur la dépense",
        "Éducation : le redoublement fait son retour au collège",
        "Transports : la régie des trains régionaux ouverte à la concurrence",
        "Logement : les maires réclament la fin du zonage « A/B/C »",
        "Agriculture : après la sécheresse, la bataille de l’eau",
        "Indiscrétions : qui succédera au préfet de région ?",
        "Numérique : l’État veut un cloud « souverain » d’ici 2028",
        "Justice : les greffes débordés, les délais s’allongent",
    ];

    private static readonly string[] Sentences =
    [
        "Le gouvernement a présenté mercredi en Conseil des ministres un texte très attendu par les élus locaux.",
        "Selon nos informations, l’arbitrage final a été rendu à Matignon tard dans la soirée de mardi.",
        "Les associations d’élus dénoncent une réforme « improvisée » et demandent un moratoire d’un an.",
        "À l’Assemblée, la majorité relative devra composer avec les groupes centristes pour faire adopter le projet.",
        "Dans les départements ruraux, la question se pose avec une acuité particulière, faute de services publics de proximité.",
        "Le rapport de la Cour des comptes, publié jeudi, pointe des dérives budgétaires « préoccupantes ».",
        "Plusieurs présidents de région ont déjà fait savoir qu’ils ne signeraient pas la convention en l’état.",
        "L’exécutif mise sur une entrée en vigueur au 1er janvier, un calendrier jugé « irréaliste » par les syndicats.",
        "Côté financement, l’enveloppe de 2,4 milliards d’euros serait répartie sur trois exercices.",
        "Les préfets ont reçu une circulaire leur demandant de recenser les projets prioritaires avant la fin du mois.",
        "Cette décision intervient après des mois de concertation avec les partenaires sociaux et les collectivités.",
        "Au ministère, on assure que « rien n’est encore figé » et que des ajustements restent possibles.",
        "Les maires de communes de moins de 3 500 habitants seraient les premiers concernés par la mesure.",
        "Un décret d’application est attendu d’ici l’été, après avis du Conseil d’État.",
        "L’opposition a d’ores et déjà annoncé le dépôt d’une motion de censure.",
        "Sur le terrain, les agents attendent surtout des moyens supplémentaires et une visibilité pluriannuelle.",
    ];

    private static readonly string[] FirstNames = ["Camille", "Élodie", "Jérôme", "Hélène", "François", "Anaïs", "Grégoire", "Maëlle", "Benoît", "Sébastien", "Léa", "Noël"];
    private static readonly string[] LastNames = ["Durand", "Lefèvre", "Moreau", "Girard", "Rousseau", "Bérard", "Lemaître", "Faure", "Chevalier", "Mercier", "Dupré", "Gauthier"];
    private static readonly string[] Domains = ["exemple.fr", "mairie-exemple.fr", "courriel.exemple.com", "region-exemple.fr"];

    /// <summary>The <paramref name="index"/>-th subscriber: a unique address and a French name.</summary>
    public static (string Address, string Name) Recipient(int index)
    {
        var first = FirstNames[index % FirstNames.Length];
        var last = LastNames[index / FirstNames.Length % LastNames.Length];
        var address = $"{Ascii(first)}.{Ascii(last)}.{index:D7}@{Domains[index % Domains.Length]}".ToLowerInvariant();
        return (address, $"{first} {last}");
    }

    private static string Ascii(string text) =>
        new(text.Normalize(NormalizationForm.FormD).Where(ch => CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark).ToArray());

    /// <summary>Subject, text and HTML whose UTF-8 size adds up to about <paramref name="targetBytes"/> minus room for headers.</summary>
    public static MessageBody Create(int targetBytes, int seed = 20261127)
    {
        var random = new Random(seed);
        var html = new StringBuilder();
        var text = new StringBuilder();
        var budget = targetBytes - 1_400; // headers, MIME boundaries and the filled-in URLs
        html.Append("""
            <!DOCTYPE html>
            <html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>La lettre d’En-Contact</title></head>
            <body style="margin:0;padding:0;background-color:#f3f1ec;font-family:Georgia,'Times New Roman',serif;color:#1d1d1b;">
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background-color:#f3f1ec;"><tr><td align="center">
            <table role="presentation" width="640" cellpadding="0" cellspacing="0" style="max-width:640px;background-color:#ffffff;">
            <tr><td style="padding:24px 32px;border-bottom:3px solid #b3122e;"><a href="https://www.en-contact.com/?utm_source=lettre&amp;utm_medium=email" style="font-size:28px;font-weight:bold;color:#b3122e;text-decoration:none;">En-Contact</a>
            <p style="margin:4px 0 0;font-size:13px;color:#6b6b6b;">La lettre hebdomadaire des décideurs publics — semaine 48</p></td></tr>

            """);
        text.Append("EN-CONTACT — La lettre hebdomadaire des décideurs publics — semaine 48\r\n\r\n");
        var article = 0;
        while (Encoding.UTF8.GetByteCount(html.ToString()) + Encoding.UTF8.GetByteCount(text.ToString()) < budget)
        {
            var title = Titles[article % Titles.Length];
            var slug = $"article-{2026_48_000 + article}";
            var paragraphs = Enumerable.Range(0, 2).Select(_ => string.Join(' ', Enumerable.Range(0, 3 + random.Next(3)).Select(_ => Sentences[random.Next(Sentences.Length)]))).ToArray();
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr><td style="padding:20px 32px 8px;">
                <p style="margin:0 0 6px;font-family:Arial,Helvetica,sans-serif;font-size:11px;letter-spacing:1px;text-transform:uppercase;color:#b3122e;">{(article % 3 == 0 ? "Politique" : article % 3 == 1 ? "Territoires" : "Indiscrétions")}</p>
                <h2 style="margin:0 0 10px;font-size:21px;line-height:1.3;"><a href="https://www.en-contact.com/{slug}?utm_source=lettre&amp;utm_medium=email&amp;utm_campaign=s48" style="color:#1d1d1b;text-decoration:none;">{System.Net.WebUtility.HtmlEncode(title)}</a></h2>
                <p style="margin:0 0 10px;font-size:15px;line-height:1.55;">{System.Net.WebUtility.HtmlEncode(paragraphs[0])}</p>
                <p style="margin:0 0 10px;font-size:15px;line-height:1.55;">{System.Net.WebUtility.HtmlEncode(paragraphs[1])}</p>
                <p style="margin:0 0 16px;"><a href="https://www.en-contact.com/{slug}?utm_source=lettre&amp;utm_medium=email&amp;utm_campaign=s48" style="font-family:Arial,Helvetica,sans-serif;font-size:13px;font-weight:bold;color:#b3122e;">Lire la suite →</a></p>
                </td></tr>

                """);
            text.Append(CultureInfo.InvariantCulture, $"{title.ToUpper(CultureInfo.GetCultureInfo("fr-FR"))}\r\n\r\n{Wrap(paragraphs[0])}\r\n\r\n{Wrap(paragraphs[1])}\r\n\r\nLire la suite : https://www.en-contact.com/{slug}\r\n\r\n----------\r\n\r\n");
            article++;
        }
        html.Append("""
            <tr><td style="padding:24px 32px;background-color:#1d1d1b;color:#d9d9d9;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:1.5;">
            <p style="margin:0 0 8px;">Vous recevez cette lettre parce que vous êtes abonné(e) à En-Contact. Éditeur : En-Contact SAS, 12 rue de l’Université, 75007 Paris.</p>
            <p style="margin:0;"><a href="{{unsubscribe_url}}" style="color:#ffffff;">Se désinscrire</a> · <a href="https://www.en-contact.com/confidentialite" style="color:#ffffff;">Données personnelles</a></p>
            </td></tr></table></td></tr></table></body></html>
            """);
        text.Append("Vous recevez cette lettre parce que vous êtes abonné(e) à En-Contact.\r\nSe désinscrire : {{unsubscribe_url}}\r\n");
        return new MessageBody("La lettre d’En-Contact — semaine 48 : retraites, énergie, municipales", text.ToString(), html.ToString());
    }

    private static string Wrap(string paragraph)
    {
        var lines = new StringBuilder();
        var width = 0;
        foreach (var word in paragraph.Split(' '))
        {
            if (width > 0 && width + word.Length + 1 > 72)
            {
                lines.Append("\r\n");
                width = 0;
            }
            else if (width > 0)
            {
                lines.Append(' ');
                width++;
            }
            lines.Append(word);
            width += word.Length;
        }
        return lines.ToString();
    }
}
