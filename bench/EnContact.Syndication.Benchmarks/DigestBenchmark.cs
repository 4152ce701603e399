using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>digest</c> benchmark.</summary>
public sealed record DigestBenchmarkOptions
{
    public int Subscribers { get; init; } = 100_000;
    public int Articles { get; init; } = 20;
    /// <summary>How many of the default sections (analyses, études, entretiens, indiscrétions, actualités) are configured and used.</summary>
    public int Sections { get; init; } = 3;
    public int Connections { get; init; } = 8;
    /// <summary><c>Delivery:BatchSize</c>.</summary>
    public int BatchSize { get; init; } = 500;
    public int Seed { get; init; } = 20261127;
    /// <summary>Breakdown after the run: subscribers' load, each copy's rendering (template, CSS inlining, text), building the requests, wire size.</summary>
    public bool Breakdown { get; init; } = true;
    /// <summary>Bound on the send phase; default 60 s + N / 100 s.</summary>
    public TimeSpan? Timeout { get; init; }
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
    /// <summary>Sign with a 2048-bit RSA key made for the run (off: the checks before sending are overridden, as an administrator would).</summary>
    public bool Dkim { get; init; } = true;
    /// <summary>smtp-source sends as many messages of the same size over as many sessions to the same sink, after the gateway.</summary>
    public bool Source { get; init; } = true;
    /// <summary>Messages of the edition sent again to a sink that dumps them, whose DKIM signatures are verified.</summary>
    public int VerifySample { get; init; } = 100;
    /// <summary>Messages of the edition composed with and without signing to measure signing's share.</summary>
    public int CostSample { get; init; } = 1_000;
}

/// <summary>
/// A whole edition from build to the last message accepted. A fresh store holds A published
/// articles of the last 7 days in S sections and N active subscribers (half "all sections", the rest spread
/// over every non-empty subset of the S sections), imported with <see cref="SubscriberStore.ImportAsync"/>.
/// The real gateway (never started: its delivery worker is started by hand, idle, before the build, as in
/// production) then runs <see cref="DigestBuilder.BuildAsync"/>, <see cref="DigestQueue.QueueAsync"/> and
/// delivers through C SMTP connections to Postfix's smtp-sink on 127.0.0.1. QueueAsync's own log line
/// ("rendered in X ms, queued in Y ms", read through a logger provider) splits rendering from enqueuing.
/// Memory is sampled every 100 ms.
/// </summary>
public sealed partial class DigestBenchmark(DigestBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    public const string Usage = """
          digest [--subscribers N] [--articles A] [--sections S] [--connections C] [--batch B] [--seed X]
                 [--no-dkim] [--no-source] [--verify N] [--no-breakdown] [--timeout-minutes M] [--work DIR] [--keep]
              A whole edition for N subscribers with A articles in S sections, from DigestBuilder.BuildAsync to the
              last message accepted by Postfix's smtp-sink on 127.0.0.1 (C SMTP connections, Delivery:BatchSize B):
              wall time and share of build, rendering, enqueuing and sending, messages/s, CPU, peak working set and
              GC heap (sampled every 100 ms). Checks every mailable subscriber whose sections have articles got exactly
              one message (outbox and smtp-sink's counter agree) and nothing failed. Letters are DKIM-signed with a 2048-bit
              RSA key made for the run (--no-dkim: unsigned, the checks before sending overridden). Then, in the same run:
              smtp-source sends N messages of the same size over C sessions to the same sink (--no-source: not), N of the
              edition's messages are sent again to a sink that dumps them and their signatures are verified with MimeKit
              against the run's public key (--verify N, default 100), and composing is timed with and without signing.
              Then a breakdown of the rendering (subscribers' load, each copy: template, CSS inlining, text; links).
              Needs /usr/sbin/smtp-sink (Debian package postfix; no Postfix daemon is started) and root (sink runs -u nobody).
              Defaults: 100000 subscribers, 20 articles, 3 sections, 8 connections, batch 500. Exit code 1 when a check fails.
        """;



    /// <summary>Parses the mode's arguments (everything after "digest") and runs it.</summary>
    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var options = BenchArgs.Parse(args, new DigestBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--subscribers" => o with { Subscribers = a.Count(1) },
            "--articles" => o with { Articles = a.Count(1) },
            "--sections" => o with { Sections = a.Count(1) },
            "--connections" => o with { Connections = a.Count(1) },
            "--batch" => o with { BatchSize = a.Count(1) },
            "--seed" => o with { Seed = a.Count(0) },
            "--no-breakdown" => o with { Breakdown = false },
            "--timeout-minutes" => o with { Timeout = TimeSpan.FromMinutes(a.Count(1)) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            "--no-dkim" => o with { Dkim = false },
            "--no-source" => o with { Source = false },
            "--verify" => o with { VerifySample = a.Count(0) },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        if (options.Source && !File.Exists(SmtpSource.Path))
        {
            Console.Error.WriteLine($"{SmtpSource.Path} is needed (apt-get install postfix), or --no-source.");
            return 2;
        }
        if (options.Sections > SubscribersOptions.DefaultSections.Length || options.Connections > 64 || options.BatchSize > 10_000)
        {
            Console.Error.WriteLine($"--sections at most {SubscribersOptions.DefaultSections.Length}, --connections at most 64 (Smtp:Connections), --batch at most 10000");
            return 2;
        }
        if (!File.Exists(SmtpSink.SinkPath))
        {
            Console.Error.WriteLine($"{SmtpSink.SinkPath} is needed: apt-get install postfix (\"No configuration\"), then make sure no Postfix master runs.");
            return 2;
        }
        if (Environment.UserName != "root")
        {
            Console.Error.WriteLine("smtp-sink is started with -u nobody, which needs root.");
            return 2;
        }
        if (BenchGateway.TemplatesFolder() is null)
        {
            Console.Error.WriteLine("templates/digest/ not found above the current directory or the program's folder: run from the repository.");
            return 2;
        }

        return await CheckedBenchmark.RunInterruptiblyAsync(new DigestBenchmark(options, output).RunAsync);
    }

    // ------------------------------------------------------------------ results

    private enum Phase
    {
        Setup,
        Build,
        Queue,
        Send,
        After,
    }

    private sealed class PhaseResult
    {
        public TimeSpan Elapsed;
        public TimeSpan Cpu;
        public long Allocated;
        public int Gen0, Gen1, Gen2;
        public long PeakWorkingSet;
        public long PeakGcHeap;
    }

    private sealed class RunResult
    {
        public readonly Dictionary<Phase, PhaseResult> Phases = [];
        public string EditionKey = "";
        public int ItemCount;
        public int SectionsInEdition;
        public int Queued;
        public int Mailable;
        public int Copies;
        public long RenderMs;
        public long EnqueueMs;
        /// <summary>How long the one enqueue transaction held SQLite's write lock (OutboxStore's log line).</summary>
        public long WriteLockMs;
        public TimeSpan QueueRest;
        public TimeSpan Total;
        public TimeSpan SendElapsed;
        public TimeSpan SinkCpu;
        public long Sent;
        public long SinkCounted;
        public long LifetimePeakWorkingSet;
        public long StartWorkingSet;
        public long DatabaseBytes;
        public List<(int Percent, TimeSpan At, long WorkingSet, long GcHeap)> Timeline = [];
        public TimeSpan ArticlesSetup;
        public TimeSpan ImportSetup;
        public string? QueueLogLine;
        public string? BuildLogLine;
        public int DistinctBodies;
        public SmtpSource.Run? Source;
        public long SourceWireBytes;
        public TimeSpan SourceSinkCpu;
        public BenchDkim.CompositionCost? Signed;
        public BenchDkim.CompositionCost? Unsigned;
        public BenchDkim.Verification? Verified;
    }

    private sealed class CopyBreakdown
    {
        public string Sections = "";
        public int Subscribers;
        public double RenderMs;
        public double TemplateMs;
        public double InlineMs;
        public double TextMs;
        public int HtmlBytes;
        public int TextBytes;
        public int Shown;
        public int Hidden;
        public int WireBytes;
    }

    private sealed class Breakdown
    {
        public double MailableMs;
        public int Mailable;
        public double GroupMs;
        public double RequestsMs;
        public double RequestsAllocatedMib;
        public double SnapshotReadMs;
        public readonly List<CopyBreakdown> Copies = [];
        public List<(string Statement, string Plan)> Plans = [];
    }

    // ------------------------------------------------------------------ run

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-digest-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(Path.Combine(work, "content"));
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        try
        {
            output.WriteLine($"Work folder: {work}");
            output.WriteLine($"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {GCSettings.LatencyMode != GCLatencyMode.Batch}; {Environment.ProcessorCount} CPUs; load {loadBefore}");
            var (result, breakdown) = await RunEditionAsync(work, cancellationToken);
            if (_failures.Count > 0)
                return Fail();
            return Succeed(output, $"{result.Sent:N0} messages sent for {result.Queued:N0} expected recipients (outbox and smtp-sink's counter agree), none failed, suppressed or retried.", Report(result, breakdown, started, loadBefore, LoadAverage()));
        }
        finally
        {
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(work, recursive: true);
        }
    }


    private string[] SectionNames => SubscribersOptions.DefaultSections.Take(options.Sections).ToArray();

    /// <summary>Every non-empty subset of the sections, in a stable order (singletons first, the full set last).</summary>
    private List<string[]> Subsets()
    {
        var names = SectionNames;
        return Enumerable.Range(1, (1 << names.Length) - 1)
            .Select(mask => names.Where((_, i) => (mask & (1 << i)) != 0).ToArray())
            .OrderBy(s => s.Length).ThenBy(s => string.Join(',', s), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Subscriber <paramref name="index"/>'s sections: even ones all (null), odd ones each subset in turn.</summary>
    private IReadOnlyList<string>? SectionsOf(int index, List<string[]> subsets) =>
        index % 2 == 0 ? null : subsets[index / 2 % subsets.Count];

    private async Task<(RunResult, Breakdown?)> RunEditionAsync(string work, CancellationToken cancellationToken)
    {
        var result = new RunResult();
        var logs = new CapturingLoggerProvider();
        var database = Path.Combine(work, "data", "digest.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(database + suffix);
        var ledger = Path.Combine(work, "data", "digest-ledger.txt");
        File.Delete(ledger);

        using var dkim = options.Dkim ? new BenchDkim() : null;
        await using var sink = await SmtpSink.StartAsync(work, "digest", null, cancellationToken);
        var app = await CreateGatewayAsync(work, database, ledger, sink.Port, dkim, logs, cancellationToken);
        Breakdown? breakdown = null;
        try
        {
            var services = app.Services;
            var connections = services.GetRequiredService<Database>();
            var schedule = services.GetRequiredService<DigestSchedule>();

            // The edition of the latest scheduled fire time (Mondays 08:00 Paris by default).
            var now = DateTimeOffset.UtcNow;
            var fireAt = schedule.LatestDue(now - TimeSpan.FromDays(8), now) ?? new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Edition fires at {fireAt:u} ({schedule.KeyOf(fireAt)} in {schedule.Zone.Id})"));

            // 1. Articles: the benchmarks' generated ones (parsed and normalised as ingestion does), put in the
            //    sections round-robin and dated evenly over the 7 days before the fire time.
            var clock = Stopwatch.StartNew();
            var names = SectionNames;
            var normalizer = services.GetRequiredService<ArticleNormalizer>();
            var articles = services.GetRequiredService<ArticleStore>();
            var generated = new ArticleGenerator(options.Seed).Generate(options.Articles).ToList();
            var perSection = new Dictionary<string, int>();
            for (var i = 0; i < generated.Count; i++)
            {
                var parsed = FrontMatterParser.Parse(generated[i].Bytes);
                var normalized = normalizer.Normalize(parsed.Draft ?? throw new InvalidOperationException($"generated article {i} does not parse: {parsed.Problem}"),
                    ContentPaths.DerivedId(generated[i].RelativePath), ContentPaths.SourceOf(generated[i].RelativePath));
                var article = normalized.Article ?? throw new InvalidOperationException($"generated article {i} does not normalise: {string.Join("; ", normalized.Errors)}");
                var section = names[i % names.Length];
                var published = fireAt - TimeSpan.FromDays(7) * ((i + 0.5) / generated.Count);
                await articles.SaveAsync(article with { Section = section, PublishedAt = published, UpdatedAt = published, Status = ArticleStatus.Published }, cancellationToken);
                perSection[section] = perSection.GetValueOrDefault(section) + 1;
            }
            result.ArticlesSetup = clock.Elapsed;

            // 2. Subscribers, through the admin import (one transaction).
            clock.Restart();
            var subsets = Subsets();
            var rows = new List<ImportRow>(options.Subscribers);
            for (var i = 0; i < options.Subscribers; i++)
            {
                var (address, name) = NewsletterGenerator.Recipient(i);
                rows.Add(new ImportRow(i + 2, address, name, now - TimeSpan.FromDays(1 + i % 700), "bench import", SectionsOf(i, subsets)));
            }
            var outcomes = await services.GetRequiredService<SubscriberStore>().ImportAsync(rows, dryRun: false, null, cancellationToken);
            result.ImportSetup = clock.Elapsed;
            var created = outcomes.Count(o => o.Result == ImportResult.Created);
            Check(created == options.Subscribers, $"import created {created} subscribers, expected {options.Subscribers}");
            var withArticles = perSection.Keys.ToHashSet(StringComparer.Ordinal);
            var expected = Enumerable.Range(0, options.Subscribers).Count(i => SectionsOf(i, subsets) is not { } s || s.Any(withArticles.Contains));
            var distinctSets = Enumerable.Range(0, options.Subscribers).Select(i => SectionsOf(i, subsets) is { } s ? string.Join(',', s) : "*").Distinct().Count();
            rows = null;
            outcomes = null;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Set-up: {options.Articles} articles ({string.Join(", ", perSection.Select(p => $"{p.Key} {p.Value}"))}) saved in {result.ArticlesSetup.TotalSeconds:0.0} s; {options.Subscribers:N0} subscribers imported in {result.ImportSetup.TotalSeconds:0.0} s ({distinctSets} section sets); {expected:N0} should get the edition"));

            if (_failures.Count > 0)
                return (result, null);

            // Templates are compiled at start-up by the gateway (TemplateWarmup); the benchmark does the same before timing.
            clock.Restart();
            await services.GetRequiredService<TemplateRenderer>().CompileAllAsync(["digest"], cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Digest templates compiled in {clock.Elapsed.TotalSeconds:0.0} s (start-up, not timed)"));

            // The registered delivery worker, started idle before the build as in a running gateway: EnqueueManyAsync wakes it.
            var worker = services.GetServices<IHostedService>().OfType<DeliveryWorker>().Single();
            var builder = services.GetRequiredService<DigestBuilder>();
            var queue = services.GetRequiredService<DigestQueue>();
            await MeasureAsync(result, services, connections, sink, worker, builder, queue, schedule, fireAt, expected, logs, cancellationToken);
            await worker.StopAsync(CancellationToken.None);

            // Checks.
            var campaign = DigestCampaign.Of(result.EditionKey);
            var progress = (await services.GetRequiredService<CampaignControl>().ProgressAsync(campaign, cancellationToken)).SingleOrDefault();
            Check(progress is not null && progress.Total == expected && progress.Sent == expected && progress.Failed == 0 && progress.Pending == 0
                && progress.Sending == 0 && progress.Suppressed == 0 && progress.Cancelled == 0,
                $"outbox says {progress?.ToString() ?? "nothing"} for {campaign}, expected {expected} sent and nothing else");
            result.Sent = progress?.Sent ?? 0;
            Check(result.Queued == expected, $"QueueAsync returned {result.Queued}, expected {expected}");
            var retried = await CountAsync(connections, $"campaign = '{campaign}' AND attempts <> 1", cancellationToken);
            Check(retried == 0, $"{retried} messages took more than one attempt");
            var bodies = Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(DISTINCT body_key) FROM outbox WHERE campaign = '{campaign}'", cancellationToken));
            // Copies that come out identical (all sections, and every section listed one by one) share one stored body.
            result.DistinctBodies = (int)bodies;
            Check(bodies >= 1 && bodies <= result.Copies, $"the outbox holds {bodies} distinct bodies, QueueAsync logged {result.Copies} copies");
            Check(result.Copies == distinctSets, $"{result.Copies} copies rendered, expected one per section set ({distinctSets})");
            var edition = (await services.GetRequiredService<DigestStore>().GetAsync(result.EditionKey, cancellationToken))?.Edition;
            Check(edition is { Status: EditionStatus.Sending or EditionStatus.Sent } && edition.Recipients == expected, $"edition {result.EditionKey} is {edition?.Status} with {edition?.Recipients} recipients, expected sending or sent with {expected}");
            Check(result.ItemCount == options.Articles, $"the edition holds {result.ItemCount} articles, expected {options.Articles}");
            result.DatabaseBytes = new[] { "", "-wal" }.Sum(s => File.Exists(database + s) ? new FileInfo(database + s).Length : 0);

            if (_failures.Count == 0)
                await SigningAsync(result, services, connections, campaign, work, dkim, cancellationToken);

            if (options.Breakdown && _failures.Count == 0)
                breakdown = await BreakdownAsync(services, connections, result.EditionKey, cancellationToken);
        }
        finally
        {
            await app.DisposeAsync(); // says QUIT on each pooled connection
            SqliteConnection.ClearAllPools();
        }

        var fromSource = 0L;
        if (options.Source && _failures.Count == 0)
        {
            // The limit, in the same run and through the same sink: as many messages of the letter's size over as many sessions.
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"smtp-source -d: {result.Sent:N0} messages of {result.SourceWireBytes:N0} bytes over {options.Connections} sessions…"));
            var sinkCpu = sink.CpuTime();
            result.Source = await SmtpSource.RunAsync(work, "digest-source", sink.Port, (int)result.Sent, result.SourceWireBytes, options.Connections, "from@en-contact.com", reuseConnections: true, cancellationToken);
            result.SourceSinkCpu = sink.CpuTime() - sinkCpu;
            Check(!result.Source.TimedOut && result.Source.ExitCode == 0, $"smtp-source exited with {result.Source.ExitCode}: {SmtpSink.Tail(result.Source.OutputFile, 300)}");
            fromSource = result.Sent;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {result.Sent / result.Source.Elapsed.TotalSeconds:N0} msg/s ({result.Source.Elapsed.TotalSeconds:0.00} s)"));
        }
        result.SinkCounted = await sink.StopAsync();
        Check(result.SinkCounted == result.Sent + fromSource, $"smtp-sink counted {result.SinkCounted} messages, the outbox says {result.Sent} sent and smtp-source sent {fromSource}");
        return (result, breakdown);
    }

    private async Task<WebApplication> CreateGatewayAsync(string work, string database, string ledger, int port, BenchDkim? dkim, ILoggerProvider logs, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Digest:LedgerPath"] = ledger,
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:Connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
            ["Delivery:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            // The digest's own lines (QueueAsync's "rendered in … ms, queued in … ms") reach the capturing provider, not the console.
            ["Logging:LogLevel:EnContact.Syndication.Digests"] = "Information",
            ["Logging:LogLevel:EnContact.Syndication.Delivery.OutboxStore"] = "Information",
            ["Logging:Console:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < SectionNames.Length; i++)
            overrides[$"Subscribers:Sections:{i}"] = SectionNames[i];
        foreach (var (key, value) in dkim?.Settings ?? [])
            overrides[key] = value;
        return await BenchGateway.CreateAppAsync(work, Path.Combine(work, "content"), database, overrides, logs, cancellationToken);
    }

    /// <summary>Build, queue, send; memory sampled every 100 ms, CPU and allocations per phase.</summary>
    private async Task MeasureAsync(RunResult result, IServiceProvider services, Database connections, SmtpSink sink, DeliveryWorker worker,
        DigestBuilder builder, DigestQueue queue, DigestSchedule schedule, DateTimeOffset fireAt, int expected, CapturingLoggerProvider logs, CancellationToken cancellationToken)
    {
        await worker.StartAsync(cancellationToken);
        await Task.Delay(500, cancellationToken); // its first (empty) claim is done

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        result.StartWorkingSet = self.WorkingSet64;

        var phase = (int)Phase.Build;
        var peakWorkingSet = new long[5];
        var peakHeap = new long[5];
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var me = Process.GetCurrentProcess();
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                do
                {
                    me.Refresh();
                    var p = Volatile.Read(ref phase);
                    peakWorkingSet[p] = Math.Max(peakWorkingSet[p], me.WorkingSet64);
                    peakHeap[p] = Math.Max(peakHeap[p], GC.GetTotalMemory(false));
                }
                while (await timer.WaitForNextTickAsync(sampling.Token));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        var deadline = options.Timeout ?? TimeSpan.FromSeconds(60 + expected / 100.0);
        var sinkCpuBefore = sink.CpuTime();
        (TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2) Mark()
        {
            self.Refresh();
            return (self.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        }
        void Close(Phase which, (TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2) from, TimeSpan elapsed)
        {
            var to = Mark();
            self.Refresh();
            var p = (int)which;
            peakWorkingSet[p] = Math.Max(peakWorkingSet[p], self.WorkingSet64);
            peakHeap[p] = Math.Max(peakHeap[p], GC.GetTotalMemory(false));
            result.Phases[which] = new PhaseResult
            {
                Elapsed = elapsed,
                Cpu = to.Cpu - from.Cpu,
                Allocated = to.Allocated - from.Allocated,
                Gen0 = to.Gen0 - from.Gen0,
                Gen1 = to.Gen1 - from.Gen1,
                Gen2 = to.Gen2 - from.Gen2,
            };
        }

        var startedAt = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();

        // (a) build
        var mark = Mark();
        var clock = Stopwatch.StartNew();
        var edition = await builder.BuildAsync(fireAt, cancellationToken);
        var buildElapsed = clock.Elapsed;
        Close(Phase.Build, mark, buildElapsed);
        if (edition is null)
        {
            _failures.Add("DigestBuilder.BuildAsync returned null");
            return;
        }
        result.EditionKey = edition.Key;
        result.ItemCount = edition.ItemCount;
        Check(edition.Status == EditionStatus.Ready, $"the edition is {edition.Status} after BuildAsync, expected ready");

        // (b) render + queue
        Volatile.Write(ref phase, (int)Phase.Queue);
        mark = Mark();
        clock.Restart();
        result.Queued = await queue.QueueAsync(edition.Key, cancellationToken);
        if (result.Queued == 0 && !options.Dkim)
        {
            // Unsigned mail through a relay is held by the checks before sending: released with an override, as an administrator would.
            var store = services.GetRequiredService<DigestStore>();
            if (await store.ReleaseAsync(edition.Key, "benchmark --no-dkim: unsigned on purpose, to compare with signing", cancellationToken))
                result.Queued = await queue.QueueAsync(edition.Key, cancellationToken);
        }
        var queueElapsed = clock.Elapsed;
        if (result.Queued == 0)
        {
            var held = (await services.GetRequiredService<DigestStore>().GetAsync(edition.Key, cancellationToken))?.Edition;
            _failures.Add($"QueueAsync queued nothing: the edition is {held?.Status} ({held?.Reason})");
            return;
        }
        var queuedAt = total.Elapsed;
        Close(Phase.Queue, mark, queueElapsed);

        // (c) send: until nothing of the edition is pending or sending
        Volatile.Write(ref phase, (int)Phase.Send);
        mark = Mark();
        clock.Restart();
        var campaign = DigestCampaign.Of(edition.Key);
        var nextDecile = 1;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            var open = await CountAsync(connections, $"campaign = '{campaign}' AND status IN ('pending', 'sending')", cancellationToken);
            var sent = result.Queued - open;
            while (nextDecile <= 10 && result.Queued > 0 && sent * 10 >= (long)result.Queued * nextDecile)
            {
                self.Refresh();
                result.Timeline.Add((nextDecile * 10, total.Elapsed, self.WorkingSet64, GC.GetTotalMemory(false)));
                nextDecile++;
            }
            if (open == 0)
                break;
            if (clock.Elapsed > deadline)
            {
                _failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{open} of {result.Queued} messages still unsent after {clock.Elapsed.TotalSeconds:0} s (bound {deadline.TotalSeconds:0} s; {sent / clock.Elapsed.TotalSeconds:0} msg/s so far)"));
                break;
            }
        }
        var polledTotal = total.Elapsed;
        Close(Phase.Send, mark, clock.Elapsed);
        result.SinkCpu = sink.CpuTime() - sinkCpuBefore;
        await sampling.CancelAsync();
        await sampler;

        // The poll's granularity is 250 ms: the end is when the last message was marked sent.
        var lastSent = await ScalarAsync(connections, $"SELECT MAX(sent_at) FROM outbox WHERE campaign = '{campaign}'", cancellationToken);
        var end = lastSent is string text ? SqlValues.ReadInstant(text) - startedAt : polledTotal;
        result.Total = end > queuedAt && end <= polledTotal ? end : polledTotal;
        result.SendElapsed = result.Total - queuedAt;
        result.Phases[Phase.Send].Elapsed = result.SendElapsed;
        foreach (var p in new[] { Phase.Build, Phase.Queue, Phase.Send })
        {
            result.Phases[p].PeakWorkingSet = peakWorkingSet[(int)p];
            result.Phases[p].PeakGcHeap = peakHeap[(int)p];
        }
        self.Refresh();
        result.LifetimePeakWorkingSet = self.PeakWorkingSet64;

        // QueueAsync's log line splits its time.
        var line = logs.Entries.LastOrDefault(e => e.Category == typeof(DigestQueue).FullName && e.Values.ContainsKey("Render"));
        if (line is null)
        {
            _failures.Add("QueueAsync's log line (rendered in … ms, queued in … ms) was not captured");
            return;
        }
        result.QueueLogLine = line.Message;
        result.BuildLogLine = logs.Entries.LastOrDefault(e => e.Category == typeof(DigestBuilder).FullName)?.Message;
        result.RenderMs = Convert.ToInt64(line.Values["Render"], CultureInfo.InvariantCulture);
        result.EnqueueMs = Convert.ToInt64(line.Values["Queue"], CultureInfo.InvariantCulture);
        if (logs.Entries.LastOrDefault(e => e.Category == typeof(OutboxStore).FullName && e.Values.ContainsKey("Milliseconds")) is { } locked)
            result.WriteLockMs = Convert.ToInt64(locked.Values["Milliseconds"], CultureInfo.InvariantCulture);
        result.Copies = Convert.ToInt32(line.Values["Copies"], CultureInfo.InvariantCulture);
        result.Mailable = Convert.ToInt32(line.Values["Mailable"], CultureInfo.InvariantCulture);
        result.QueueRest = queueElapsed - TimeSpan.FromMilliseconds(result.RenderMs + result.EnqueueMs);
        result.SectionsInEdition = (await ScalarAsync(connections, $"SELECT snapshot_json FROM digest_editions WHERE edition_key = '{edition.Key}'", cancellationToken)) is string json
            ? System.Text.Json.JsonSerializer.Deserialize<DigestSnapshot>(json)!.Sections.Count : 0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  build {buildElapsed.TotalSeconds:0.00} s, QueueAsync {queueElapsed.TotalSeconds:0.00} s (rendered {result.RenderMs / 1000.0:0.00} s, queued {result.EnqueueMs / 1000.0:0.00} s), send {result.SendElapsed.TotalSeconds:0.00} s: {result.Queued / result.SendElapsed.TotalSeconds:N0} msg/s; total {result.Total.TotalSeconds:0.00} s"));
    }

    // ------------------------------------------------------------------ signing

    /// <summary>
    /// In the same run, on the edition's own messages (outbox rows read back with their stored bodies):
    /// composing and writing each with the gateway's composer and with one that does not sign (signing's
    /// share of the send phase's CPU); then, signed, a sample sent by an <see cref="SmtpMailSender"/> to a
    /// second smtp-sink that dumps them, and every dump's DKIM-Signature verified by MimeKit with the run's public key.
    /// </summary>
    private async Task SigningAsync(RunResult result, IServiceProvider services, Database connections, string campaign, string work, BenchDkim? dkim, CancellationToken cancellationToken)
    {
        var items = await ReadItemsAsync(connections, campaign, Math.Max(options.CostSample, options.VerifySample), cancellationToken);
        var composer = services.GetRequiredService<MessageComposer>();
        using var unsigned = new MessageComposer(services.GetRequiredService<IOptions<DeliveryOptions>>(), Options.Create(new DkimOptions()),
            services.GetRequiredService<IHostEnvironment>(), TimeProvider.System);
        var sample = items.Take(options.CostSample).ToList();
        result.Unsigned = BenchDkim.Measure(unsigned, sample, rounds: 2);
        if (dkim is not null)
            result.Signed = BenchDkim.Measure(composer, sample, rounds: 2);
        result.SourceWireBytes = (long)Math.Round((result.Signed ?? result.Unsigned).WireBytes);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Composing and writing one message ({sample.Count} of the edition's, twice): {(result.Signed is { } signed ? $"signed {signed.CpuMicros:0} µs CPU, {signed.AllocatedKiB:0.0} KiB; " : "")}unsigned {result.Unsigned.CpuMicros:0} µs, {result.Unsigned.AllocatedKiB:0.0} KiB; {result.SourceWireBytes:N0} bytes on the wire on average"));
        if (dkim is null || options.VerifySample == 0)
            return;

        var dumpFolder = Path.Combine(work, "dump-verify");
        await using (var dumpSink = await SmtpSink.StartAsync(work, "digest-verify", dumpFolder, cancellationToken))
        {
            var returnPath = services.GetRequiredService<ReturnPath>();
            await using (var sender = new SmtpMailSender(Options.Create(new SmtpOptions { Host = "127.0.0.1", Port = dumpSink.Port, Security = SmtpSecurity.None, Connections = 1 }),
                TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SmtpMailSender>.Instance))
            {
                foreach (var item in items.Take(options.VerifySample))
                {
                    using var message = composer.Compose(item);
                    await sender.SendAsync(message, returnPath.EnvelopeSenderFor(item.MessageId), cancellationToken);
                }
            }
            await dumpSink.StopAsync();
        }
        result.Verified = await dkim.VerifyDumpsAsync(dumpFolder, options.VerifySample, options.Seed, cancellationToken);
        Directory.Delete(dumpFolder, recursive: true);
        var wanted = Math.Min(options.VerifySample, items.Count);
        Check(result.Verified.Files == wanted && result.Verified.Verified == wanted,
            $"DKIM: {result.Verified.Verified} of {wanted} sunk messages verify ({result.Verified.Files} dumped): {string.Join("; ", result.Verified.Failures.Take(5))}");
        output.WriteLine($"DKIM: {result.Verified.Verified} of {result.Verified.Files} sunk messages verify with MimeKit's DkimVerifier and the run's public key");
    }

    /// <summary>Up to <paramref name="count"/> of the edition's outbox rows as the delivery worker claims them (one body object per stored body), in message-key order (a hash: a spread sample).</summary>
    private static async Task<List<OutboxItem>> ReadItemsAsync(Database connections, string campaign, int count, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT o.message_key, o.campaign, o.kind, o.recipient, o.recipient_name, o.body_key, o.variables_json, o.unsubscribe_url, o.message_id,
                   b.subject, b.text_body, b.html_body
            FROM outbox o JOIN outbox_bodies b ON b.body_key = o.body_key
            WHERE o.campaign = '{campaign}' ORDER BY o.message_key LIMIT {count}
            """;
        var bodies = new Dictionary<string, MessageBody>(StringComparer.Ordinal);
        var items = new List<OutboxItem>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var bodyKey = reader.GetString(5);
            if (!bodies.TryGetValue(bodyKey, out var body))
                bodies[bodyKey] = body = new MessageBody(reader.GetString(9), reader.GetString(10), reader.GetString(11));
            items.Add(new OutboxItem
            {
                MessageKey = reader.GetString(0),
                Campaign = reader.GetString(1),
                Kind = EnumText.Parse<MailKind>(reader.GetString(2), "mail kind"),
                Recipient = reader.GetString(3),
                RecipientName = reader.IsDBNull(4) ? null : reader.GetString(4),
                Body = body,
                Variables = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(6)) ?? [],
                UnsubscribeUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
                MessageId = reader.GetString(8),
                Attempts = 1,
            });
        }
        return items;
    }

    // ------------------------------------------------------------------ breakdown

    /// <summary>
    /// What QueueAsync's "rendered" time is made of, measured again on the same store once everything is sent
    /// (warm: the edition's first renders above also paid for JIT): loading the mailable subscribers, grouping
    /// them by section set, rendering each copy (split into the HTML template, PreMailer's CSS inlining and the
    /// text template), building the N outbox requests with their two signed links; plus each copy's wire size.
    /// </summary>
    private async Task<Breakdown> BreakdownAsync(IServiceProvider services, Database connections, string key, CancellationToken cancellationToken)
    {
        output.WriteLine("Breakdown…");
        var result = new Breakdown();
        var store = services.GetRequiredService<DigestStore>();
        var subscribers = services.GetRequiredService<SubscriberStore>();
        var renderer = services.GetRequiredService<DigestRenderer>();
        var templates = services.GetRequiredService<TemplateRenderer>();
        var links = services.GetRequiredService<SubscriberLinks>();
        var queue = services.GetRequiredService<DigestQueue>();
        var composer = services.GetRequiredService<MessageComposer>();
        var digest = services.GetRequiredService<IOptions<DigestOptions>>().Value;
        var site = services.GetRequiredService<IOptions<SiteOptions>>().Value;

        DigestSnapshot snapshot = null!;
        result.SnapshotReadMs = await MedianMsAsync(3, async () => snapshot = (await store.GetAsync(key, cancellationToken))!.Value.Snapshot!);

        IReadOnlyList<Recipient> recipients = [];
        result.MailableMs = await MedianMsAsync(3, async () => recipients = await subscribers.MailableAsync(cancellationToken));
        result.Mailable = recipients.Count;

        List<IGrouping<string, Recipient>> groups = [];
        result.GroupMs = await MedianMsAsync(3, () =>
        {
            groups = recipients.GroupBy(r => r.Sections is null ? "*" : string.Join('\u001f', r.Sections.Order(StringComparer.Ordinal))).ToList();
            return Task.CompletedTask;
        });

        foreach (var group in groups)
        {
            var sections = group.First().Sections;
            var copy = new CopyBreakdown { Sections = sections is null ? "all (null)" : string.Join(" + ", sections), Subscribers = group.Count() };
            RenderedDigest? rendered = null;
            copy.RenderMs = await MedianMsAsync(5, async () => rendered = await renderer.RenderAsync(snapshot, sections));
            if (rendered is null)
            {
                result.Copies.Add(copy);
                continue;
            }
            copy.HtmlBytes = Encoding.UTF8.GetByteCount(rendered.Html);
            copy.TextBytes = Encoding.UTF8.GetByteCount(rendered.Text);
            copy.Shown = rendered.ItemsShown;
            copy.Hidden = rendered.ItemsHidden;

            // The same model as DigestRenderer's first pass.
            var model = renderer.ModelFor(snapshot, sections, digest.MaxItemsPerSection);
            var raw = "";
            copy.TemplateMs = await MedianMsAsync(5, async () => raw = await templates.RenderAsync(DigestRenderer.HtmlTemplate, model));
            copy.InlineMs = await MedianMsAsync(5, () =>
            {
                _ = PreMailer.Net.PreMailer.MoveCssInline(raw, removeStyleElements: true, removeComments: true, preserveMediaQueries: true).Html;
                return Task.CompletedTask;
            });
            copy.TextMs = await MedianMsAsync(5, async () => _ = await templates.RenderAsync(DigestRenderer.TextTemplate, model));

            // One composed message of this copy, as MailKit sends it to an 8BITMIME relay.
            var recipient = group.First();
            var unsubscribe = links.UnsubscribeUrl(recipient.Id);
            var messageKey = OutboxStore.KeyOf(DigestCampaign.Of(key), recipient.Address);
            var message = composer.Compose(new OutboxItem
            {
                MessageKey = messageKey,
                Campaign = DigestCampaign.Of(key),
                Kind = MailKind.Bulk,
                Recipient = recipient.Address,
                RecipientName = recipient.Name,
                Body = new MessageBody(rendered.Subject, rendered.Text, rendered.Html),
                Variables = new Dictionary<string, string> { ["unsubscribe_url"] = unsubscribe, ["preferences_url"] = links.PreferencesUrl(recipient.Id) },
                UnsubscribeUrl = unsubscribe,
                MessageId = OutboxStore.MessageIdOf(messageKey, "en-contact.com"),
                Attempts = 1,
            });
            message.Prepare(EncodingConstraint.EightBit, 998);
            using var counter = new MemoryStream();
            message.WriteTo(FormatOptions.Default, counter);
            copy.WireBytes = (int)counter.Length;
            result.Copies.Add(copy);
        }

        // The N requests as QueueAsync builds them: two signed links (HMAC) and a dictionary per subscriber.
        var campaign = DigestCampaign.Of(key);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        result.RequestsMs = await MedianMsAsync(3, () =>
        {
            var requests = queue.RequestsFor(campaign, recipients);
            GC.KeepAlive(requests);
            return Task.CompletedTask;
        });
        result.RequestsAllocatedMib = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 3.0 / 1048576.0;

        const string Mailable = "s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.address = s.address)";
        foreach (var (name, sql) in new[]
        {
            ("MailableAsync: sections", $"SELECT x.subscriber_id, x.section FROM subscriber_sections x JOIN subscribers s ON s.subscriber_id = x.subscriber_id WHERE {Mailable} AND s.all_sections = 0 ORDER BY x.subscriber_id, x.section"),
            ("MailableAsync: subscribers", $"SELECT s.subscriber_id, s.address, s.name, s.all_sections FROM subscribers s WHERE {Mailable} ORDER BY s.subscriber_id"),
        })
            result.Plans.Add((name, await PlanAsync(connections, sql, cancellationToken)));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  MailableAsync {result.MailableMs:0} ms ({result.Mailable:N0}), group {result.GroupMs:0} ms, {result.Copies.Count} copies rendered in {result.Copies.Sum(c => c.RenderMs):0} ms, requests {result.RequestsMs:0} ms"));
        return result;
    }

    private static async Task<double> MedianMsAsync(int runs, Func<Task> action)
    {
        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Stats.Median(times);
    }

    // ------------------------------------------------------------------ SQL helpers

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

    private static async Task<string> PlanAsync(Database connections, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(reader.GetString(3));
        return string.Join("; ", lines);
    }

    // ------------------------------------------------------------------ logs

    private sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

    /// <summary>Keeps what the gateway's digest classes log (their level is raised to Information for this provider's sake).</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => category.StartsWith("EnContact.Syndication.Digests", StringComparison.Ordinal) || category == typeof(OutboxStore).FullName;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                    return;
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value)
                    : new Dictionary<string, object?>();
                owner.Entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), values));
            }
        }
    }

    // ------------------------------------------------------------------ report


    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    private string Report(RunResult r, Breakdown? b, DateTimeOffset started, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var n = r.Queued;
        var total = r.Total.TotalSeconds;
        string Share(double seconds) => (seconds / total * 100).ToString("0.0", inv) + " %";
        string Sec(double seconds) => seconds.ToString("0.00", inv) + " s";

        text.AppendLine(inv, $"Digest edition ({started:yyyy-MM-dd HH:mm} UTC; load average {loadBefore} before, {loadAfter} after): {options.Subscribers:N0} active subscribers "
            + $"(half all sections, half spread over the {(1 << options.Sections) - 1} non-empty subsets of {options.Sections} sections), {options.Articles} articles of the last 7 days in "
            + $"{r.SectionsInEdition} sections; {r.Copies} copies rendered ({r.DistinctBodies} distinct bodies stored); {n:N0} messages; delivery to Postfix's smtp-sink on 127.0.0.1 over {options.Connections} SMTP connections, "
            + $"Delivery:BatchSize {options.BatchSize}; worker idle before the build, templates compiled at start-up (not timed). Checks passed: {r.Sent:N0} sent = {n:N0} expected = smtp-sink's count, 0 failed or retried.");
        text.AppendLine();
        text.AppendLine("| Result | Value |");
        text.AppendLine("|---|---:|");
        text.AppendLine(inv, $"| Build → last message accepted (wall) | {Sec(total)} |");
        text.AppendLine(inv, $"| Messages per second, over the send phase (queued → last accepted) | {n / r.SendElapsed.TotalSeconds:N0} msg/s |");
        text.AppendLine(inv, $"| Messages per second, overall (build start → last accepted) | {n / total:N0} msg/s |");
        var peakWs = r.Phases.Values.Max(p => p.PeakWorkingSet);
        var peakHeap = r.Phases.Values.Max(p => p.PeakGcHeap);
        text.AppendLine(inv, $"| Peak working set, build → last accepted (100 ms samples) / process lifetime peak (includes set-up) | {Mib(peakWs)} / {Mib(r.LifetimePeakWorkingSet)} |");
        text.AppendLine(inv, $"| Peak GC heap (GC.GetTotalMemory, 100 ms samples) | {Mib(peakHeap)} |");
        text.AppendLine(inv, $"| Working set before the build (after set-up and a full GC) | {Mib(r.StartWorkingSet)} |");
        var cpu = r.Phases.Values.Sum(p => p.Cpu.TotalSeconds);
        text.AppendLine(inv, $"| CPU, our process (of {Environment.ProcessorCount} × wall available) / smtp-sink during the send | {cpu:0.0} s ({cpu / total / Environment.ProcessorCount * 100:0} % of the machine) / {r.SinkCpu.TotalSeconds:0.0} s |");
        text.AppendLine(inv, $"| Allocated (all threads), GCs gen0 / gen1 / gen2 | {r.Phases.Values.Sum(p => p.Allocated) / 1048576.0:N0} MiB, {r.Phases.Values.Sum(p => p.Gen0)} / {r.Phases.Values.Sum(p => p.Gen1)} / {r.Phases.Values.Sum(p => p.Gen2)} |");
        text.AppendLine(inv, $"| Database after the run (+ WAL) | {Mib(r.DatabaseBytes)} |");
        text.AppendLine();

        var send = r.Phases[Phase.Send];
        var rate = n / r.SendElapsed.TotalSeconds;
        var cpuPerMessage = send.Cpu.TotalMilliseconds / Math.Max(1, n);
        text.AppendLine(options.Dkim
            ? $"DKIM: every letter signed rsa-sha256 (relaxed/relaxed) with a 2048-bit RSA key made for the run (d={BenchDkim.Domain}, s={BenchDkim.Selector})."
            : "DKIM: off (--no-dkim); the checks before sending held the unsigned edition and the benchmark released it with an override.");
        text.AppendLine();
        text.AppendLine("| Against the limit (same run, same sink) | Value |");
        text.AppendLine("|---|---:|");
        text.AppendLine(inv, $"| Gateway, send phase ({options.Connections} connections) | {rate:N0} msg/s |");
        if (r.Source is { } source)
        {
            var sourceRate = r.Sent / source.Elapsed.TotalSeconds;
            text.AppendLine(inv, $"| smtp-source -d, {r.Sent:N0} messages of {r.SourceWireBytes:N0} bytes over {options.Connections} sessions, after the gateway | {sourceRate:N0} msg/s (CPU {source.Cpu.TotalSeconds:0.0} s, sink {r.SourceSinkCpu.TotalSeconds:0.0} s) |");
            text.AppendLine(inv, $"| **Gateway / smtp-source** | **{rate / sourceRate:0.00}** |");
        }
        text.AppendLine(inv, $"| CPU per message, send phase (our process: outbox, composing, signing, SMTP) | {cpuPerMessage:0.00} ms |");
        text.AppendLine(inv, $"| Allocated per message, send phase / bytes of a message on the wire | {send.Allocated / 1024.0 / Math.Max(1, n):0.0} KiB / {r.SourceWireBytes / 1024.0:0.0} KiB |");
        if (r.Unsigned is { } plain)
        {
            var signing = r.Signed is { } signed ? signed.CpuMicros - plain.CpuMicros : 0;
            text.AppendLine(inv, $"| Composing and writing one message, one thread (the edition's own messages): unsigned | {plain.CpuMicros:0} µs CPU, {plain.AllocatedKiB:0.0} KiB |");
            if (r.Signed is { } s2)
            {
                text.AppendLine(inv, $"| … signed | {s2.CpuMicros:0} µs CPU, {s2.AllocatedKiB:0.0} KiB |");
                text.AppendLine(inv, $"| … signing's share of the send phase's CPU per message | {signing:0} µs = {signing / 1000 / cpuPerMessage * 100:0} % |");
            }
        }
        if (r.Verified is { } verified)
            text.AppendLine(inv, $"| DKIM verification of sunk messages (MimeKit's DkimVerifier, the run's public key) | {verified.Verified} of {verified.Files} |");
        text.AppendLine();

        text.AppendLine("| Phase | Wall | Share of total | CPU (ours) | Allocated | GCs gen0/1/2 | Peak working set | Peak GC heap |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        void PhaseRow(string name, PhaseResult p) =>
            text.AppendLine(inv, $"| {name} | {Sec(p.Elapsed.TotalSeconds)} | {Share(p.Elapsed.TotalSeconds)} | {p.Cpu.TotalSeconds:0.00} s | {p.Allocated / 1048576.0:N0} MiB | {p.Gen0}/{p.Gen1}/{p.Gen2} | {Mib(p.PeakWorkingSet)} | {Mib(p.PeakGcHeap)} |");
        PhaseRow("Build: `DigestBuilder.BuildAsync` (select articles, snapshot, edition row)", r.Phases[Phase.Build]);
        PhaseRow("Render + queue: `DigestQueue.QueueAsync`", r.Phases[Phase.Queue]);
        text.AppendLine(inv, $"| … render (as QueueAsync logs it: load {r.Mailable:N0} subscribers, group, render {r.Copies} copies, build {n:N0} requests with links) | {Sec(r.RenderMs / 1000.0)} | {Share(r.RenderMs / 1000.0)} | | | | | |");
        text.AppendLine(inv, $"| … enqueue (as logged: `OutboxStore.EnqueueManyAsync`, one transaction, + edition → queued) | {Sec(r.EnqueueMs / 1000.0)} | {Share(r.EnqueueMs / 1000.0)} | | | | | |");
        text.AppendLine(inv, $"| … … of which SQLite's write lock held (the inserts only; other writers wait up to Storage:BusyTimeout) | {Sec(r.WriteLockMs / 1000.0)} | {Share(r.WriteLockMs / 1000.0)} | | | | | |");
        text.AppendLine(inv, $"| … rest (snapshot read, log) | {Sec(r.QueueRest.TotalSeconds)} | {Share(r.QueueRest.TotalSeconds)} | | | | | |");
        PhaseRow($"Send: queued → last message accepted ({options.Connections} connections, batch {options.BatchSize}; {r.Phases[Phase.Send].Allocated / 1024.0 / Math.Max(1, n):N0} KiB allocated per message)", r.Phases[Phase.Send]);
        text.AppendLine(inv, $"| **Total** | **{Sec(total)}** | 100 % | {cpu:0.00} s | {r.Phases.Values.Sum(p => p.Allocated) / 1048576.0:N0} MiB | | {Mib(peakWs)} | {Mib(peakHeap)} |");
        text.AppendLine();
        if (r.Timeline.Count > 0)
        {
            text.AppendLine("Working set / GC heap while sending (at 10 / 50 / 100 % accepted): " + string.Join(" → ",
                r.Timeline.Where(t => t.Percent is 10 or 50 or 100).Select(t => string.Create(inv, $"{t.Percent} % at {t.At.TotalSeconds:0.0} s: {t.WorkingSet / 1048576.0:N0} / {t.GcHeap / 1048576.0:N0} MiB"))) + ".");
            text.AppendLine();
        }
        text.AppendLine(inv, $"Set-up (not timed above): {options.Articles} articles saved in {r.ArticlesSetup.TotalSeconds:0.0} s; {options.Subscribers:N0} subscribers imported with `SubscriberStore.ImportAsync` (one transaction) in {r.ImportSetup.TotalSeconds:0.0} s.");
        text.AppendLine();
        if (r.QueueLogLine is not null)
            text.AppendLine($"QueueAsync's log line: “{r.QueueLogLine}”.");
        text.AppendLine();

        if (b is not null)
        {
            text.AppendLine(inv, $"Breakdown of “render”, measured again once all was sent (warm; medians of 3–5): the edition's first renders above were cold (JIT of the templates' code, PreMailer, AngleSharp).");
            text.AppendLine();
            text.AppendLine("| Step | Cost |");
            text.AppendLine("|---|---:|");
            text.AppendLine(inv, $"| `DigestStore.GetAsync` (snapshot JSON) | {b.SnapshotReadMs:0.0} ms |");
            text.AppendLine(inv, $"| `SubscriberStore.MailableAsync` ({b.Mailable:N0} recipients) | {b.MailableMs:0} ms ({b.MailableMs * 1000 / Math.Max(1, b.Mailable):0.0} µs each) |");
            text.AppendLine(inv, $"| Group by section set | {b.GroupMs:0} ms |");
            text.AppendLine(inv, $"| `DigestRenderer.RenderAsync`, all {b.Copies.Count} copies | {b.Copies.Sum(c => c.RenderMs):0} ms |");
            text.AppendLine(inv, $"| Build {b.Mailable:N0} `OutboxRequest`s (2 signed links + dictionary each) | {b.RequestsMs:0} ms ({b.RequestsMs * 1000 / Math.Max(1, b.Mailable):0.0} µs each, {b.RequestsAllocatedMib:N0} MiB allocated) |");
            text.AppendLine(inv, $"| Sum (warm) vs logged “rendered” (cold) | {b.MailableMs + b.GroupMs + b.Copies.Sum(c => c.RenderMs) + b.RequestsMs:0} ms vs {r.RenderMs} ms |");
            text.AppendLine();
            text.AppendLine("| Copy (sections) | Subscribers | RenderAsync | HTML template alone | PreMailer inlining alone | text template alone | HTML | text | articles shown / hidden | one message on the wire |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var c in b.Copies.OrderBy(c => c.Sections == "all (null)" ? 0 : 1).ThenBy(c => c.Sections.Count(ch => ch == '+')).ThenBy(c => c.Sections, StringComparer.Ordinal))
                text.AppendLine(inv, $"| {c.Sections} | {c.Subscribers:N0} | {c.RenderMs:0.0} ms | {c.TemplateMs:0.0} ms | {c.InlineMs:0.0} ms | {c.TextMs:0.0} ms | {c.HtmlBytes / 1024.0:0.0} KiB | {c.TextBytes / 1024.0:0.0} KiB | {c.Shown} / {c.Hidden} | {c.WireBytes / 1024.0:0.0} KiB |");
            text.AppendLine();
            text.AppendLine("Query plans:");
            text.AppendLine();
            foreach (var (statement, plan) in b.Plans)
                text.AppendLine($"- {statement}: `{plan}`");
            text.AppendLine();
        }

        text.AppendLine(inv,
            $"Runtime: .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, "
            + $"{Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"
            + $"{(GCSettings.LatencyMode == GCLatencyMode.Interactive ? " (concurrent)" : "")}; SQLite {SqliteVersion()}.");
        return text.ToString().TrimEnd();
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }
}
