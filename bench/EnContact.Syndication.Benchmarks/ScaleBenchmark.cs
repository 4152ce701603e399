using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
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
using Microsoft.Extensions.Logging;
using MimeKit;
using Npgsql;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>scale</c> benchmark.</summary>
public sealed record ScaleBenchmarkOptions
{
    public StorageProvider Storage { get; init; } = StorageProvider.PostgreSql;
    public int Subscribers { get; init; } = 100_000;
    /// <summary>Gateway processes (<c>serve</c>) that deliver the edition; 0: queue only.</summary>
    public int Instances { get; init; } = 1;
    /// <summary><c>Smtp:Connections</c> of each instance.</summary>
    public int Connections { get; init; } = 8;
    public int BatchSize { get; init; } = 500;
    public int Articles { get; init; } = 20;
    /// <summary>Pause between two writes of the concurrent writer; 0: no writer.</summary>
    public int WriterIntervalMs { get; init; } = 20;
    /// <summary>Messages smtp-source sends for the wire-speed limit; default the edition's size; 0: not measured.</summary>
    public int? SourceMessages { get; init; }
    public TimeSpan? Timeout { get; init; }
    /// <summary>The serve process queues the edition (its scheduler's first pass), not this process: its peak RSS then covers queuing and sending, as in production.</summary>
    public bool ServeQueues { get; init; }
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
}

/// <summary>
/// One edition of N readers on SQLite or PostgreSQL, queued by a gateway built in this process (never
/// started: no worker of its own) while a concurrent writer saves articles and subscribes people; then
/// delivered by 0, 1 or 2 real <c>serve</c> processes of the gateway against one smtp-sink, followed by
/// smtp-source's limit on the same sink. Subscribers are written straight into the tables by SQL (set-up,
/// not what is measured). See BENCHMARKS.md, "Several gateways on PostgreSQL".
/// </summary>
public sealed class ScaleBenchmark(ScaleBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    public const string Usage = """
          scale [--storage sqlite|postgresql] [--subscribers N] [--instances 0|1|2] [--connections C] [--batch B]
                [--articles A] [--writer-interval-ms W] [--source-messages M] [--timeout-minutes T] [--serve-queues] [--work DIR] [--keep]
              One edition of N readers (3 sections, 8 copies) queued by DigestQueue in this process while a concurrent
              writer (an article saved, then a person subscribing, every W ms; 0: none) records each write's latency:
              queuing time as DigestQueue logs it (render, queue, longest transaction), peak working set and GC heap of
              this process during the queuing and at every 100,000 readers, the writer's worst wait against its quiet
              latency. Then, with I > 0, I `serve` processes of the gateway (C SMTP connections each) deliver the
              edition to one Postfix smtp-sink on 127.0.0.1 (the edition is paused while they start, then resumed):
              messages/s, each process's peak RSS and CPU; then smtp-source sends M messages of the same size over
              I × C sessions to the same sink (the wire-speed limit). PostgreSQL: the server named by
              ENCONTACT_BENCH_POSTGRES (eval "$(bash bench/postgres.sh start)"), a new database per run, dropped after.
              Letters are DKIM-signed with a 2048-bit key made for the run, as in production. --serve-queues (with I = 1):
              the serve process queues the edition itself (its digest scheduler's first pass finds it ready), so its
              peak RSS covers start-up, queuing and sending of the whole edition, as a production gateway's does.
              Needs /usr/sbin/smtp-sink and smtp-source (package postfix) and root when I > 0.
              Defaults: postgresql, 100000 subscribers, 1 instance, 8 connections, batch 500, 20 articles, writer every 20 ms.
              Exit code 1 when a check fails.
        """;

    private static readonly string[] SectionNames = SubscribersOptions.DefaultSections.Take(3).ToArray();

    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var options = BenchArgs.Parse(args, new ScaleBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--storage" => o with
            {
                Storage = a.Next().ToLowerInvariant() switch
                {
                    "sqlite" => StorageProvider.Sqlite,
                    "postgresql" or "postgres" => StorageProvider.PostgreSql,
                    var other => throw new ArgumentException($"--storage is sqlite or postgresql, not {other}"),
                },
            },
            "--subscribers" => o with { Subscribers = a.Count(1) },
            "--instances" => o with { Instances = a.Count(0) },
            "--connections" => o with { Connections = a.Count(1) },
            "--batch" => o with { BatchSize = a.Count(1) },
            "--articles" => o with { Articles = a.Count(3) },
            "--writer-interval-ms" => o with { WriterIntervalMs = a.Count(0) },
            "--source-messages" => o with { SourceMessages = a.Count(0) },
            "--timeout-minutes" => o with { Timeout = TimeSpan.FromMinutes(a.Count(1)) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            "--serve-queues" => o with { ServeQueues = true },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        if (options.ServeQueues && options.Instances != 1)
        {
            Console.Error.WriteLine("--serve-queues needs --instances 1: one serve process queues and sends the edition");
            return 2;
        }
        if (options.Instances > 4 || options.Connections > 64 || options.BatchSize > 10_000)
        {
            Console.Error.WriteLine("--instances at most 4, --connections at most 64 (Smtp:Connections), --batch at most 10000");
            return 2;
        }
        if (options.Storage == StorageProvider.Sqlite && options.Instances > 1)
        {
            Console.Error.WriteLine("SQLite is one gateway process: --instances 0 or 1 with --storage sqlite");
            return 2;
        }
        if (options.Storage == StorageProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ENCONTACT_BENCH_POSTGRES")))
        {
            Console.Error.WriteLine("ENCONTACT_BENCH_POSTGRES is not set: eval \"$(bash bench/postgres.sh start)\" first (a durable cluster of the benchmark's own).");
            return 2;
        }
        if (options.Instances > 0 && (!File.Exists(SmtpSink.SinkPath) || !File.Exists(SmtpSource.Path) || Environment.UserName != "root"))
        {
            Console.Error.WriteLine($"Delivery needs {SmtpSink.SinkPath} and {SmtpSource.Path} (apt-get install postfix, no Postfix master running) and root (the sink runs -u nobody).");
            return 2;
        }
        if (BenchGateway.TemplatesFolder() is null)
        {
            Console.Error.WriteLine("templates/digest/ not found above the current directory or the program's folder: run from the repository.");
            return 2;
        }
        return await RunInterruptiblyAsync(new ScaleBenchmark(options, output).RunAsync);
    }

    // ------------------------------------------------------------------ results

    private sealed class Result
    {
        public TimeSpan ArticlesSetup, SubscribersSetup, Build, QueueWall;
        public int Queued, Mailable, Copies;
        public long RenderMs, QueueMs, LongestMs, LoggedMs;
        public long WorkingSetBefore, HeapBefore, PeakWorkingSet, PeakHeap, HeapAfter;
        public readonly List<(int Readers, long WorkingSet, long Heap)> Progress = [];
        public WriterResult? Quiet, DuringQueue;
        public TimeSpan Send;
        public long Sent, SinkCounted;
        public readonly List<InstanceResult> Instances = [];
        public TimeSpan SinkCpu;
        public int WireBytes;
        public int SourceCount;
        public TimeSpan SourceElapsed, SourceCpu;
        public string DatabaseSize = "";
        public string ServerVersion = "";
    }

    private sealed class InstanceResult
    {
        public int Pid;
        public long PeakRss, LastRss;
        public TimeSpan Cpu;
        public long SentByIt = -1;
    }

    private sealed record WriterResult(int Writes, int Failures, double MedianMs, double P99Ms, double MaxMs, string MaxOp, string? LastError);

    // ------------------------------------------------------------------ run

    private string _work = "";
    private string? _databaseName;
    private string? _adminConnection;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-scale-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(_work, "content"));
        Directory.CreateDirectory(Path.Combine(_work, "data"));
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        output.WriteLine($"Work folder: {_work}; {options.Storage}, {options.Subscribers:N0} subscribers, {options.Instances} instance(s); load {loadBefore}");
        try
        {
            var result = await RunEditionAsync(cancellationToken);
            if (_failures.Count > 0)
                return Fail();
            return Succeed(output, options.Instances > 0
                    ? $"{result.Sent:N0} sent = {result.Queued:N0} queued = every mailable reader; smtp-sink counted the gateway's and smtp-source's messages, none failed or was retried; the writer never failed."
                    : $"{result.Queued:N0} queued = every mailable reader; the writer never failed.",
                Report(result, started, loadBefore, LoadAverage()));
        }
        finally
        {
            if (_databaseName is not null && !options.Keep)
                await DropDatabaseAsync();
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(_work, recursive: true);
        }
    }

    private async Task<string> StorageConnectionAsync(CancellationToken cancellationToken)
    {
        _adminConnection = Environment.GetEnvironmentVariable("ENCONTACT_BENCH_POSTGRES")!;
        _databaseName = $"encontact_scale_{Environment.ProcessId}";
        await using (var admin = new NpgsqlConnection(_adminConnection))
        {
            await admin.OpenAsync(cancellationToken);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_databaseName}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        return new NpgsqlConnectionStringBuilder(_adminConnection) { Database = _databaseName, MaxPoolSize = 50 }.ToString();
    }

    private async Task DropDatabaseAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnection);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Settings shared by this process's gateway and the serve processes.</summary>
    private Dictionary<string, string?> Settings(string? storageConnection, string database, int sinkPort)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = options.Storage.ToString(),
            ["Storage:DatabasePath"] = database,
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = sinkPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:Connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
            ["Delivery:BatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        };
        if (storageConnection is not null)
            settings["Storage:ConnectionString"] = storageConnection;
        for (var i = 0; i < SectionNames.Length; i++)
            settings[$"Subscribers:Sections:{i}"] = SectionNames[i];
        return settings;
    }

    private async Task<Result> RunEditionAsync(CancellationToken cancellationToken)
    {
        var result = new Result();
        var database = Path.Combine(_work, "data", "scale.db");
        var storageConnection = options.Storage == StorageProvider.PostgreSql ? await StorageConnectionAsync(cancellationToken) : null;
        await using var sink = options.Instances > 0 ? await SmtpSink.StartAsync(_work, "scale", null, cancellationToken) : null;
        using var dkim = new BenchDkim();
        var settings = Settings(storageConnection, database, sink?.Port ?? 25);
        foreach (var (key, value) in dkim.Settings)
            settings[key] = value;
        var logs = new QueueLogCapture(result);
        var overrides = new Dictionary<string, string?>(settings)
        {
            ["Digest:LedgerPath"] = Path.Combine(_work, "data", "ledger.txt"),
            ["Logging:LogLevel:EnContact.Syndication.Digests.DigestQueue"] = "Information",
            ["Logging:Console:LogLevel:Default"] = "Warning",
        };
        var app = await BenchGateway.CreateAppAsync(_work, Path.Combine(_work, "content"), database, overrides, logs, cancellationToken);
        try
        {
            var services = app.Services;
            var connections = services.GetRequiredService<Database>();
            result.ServerVersion = await ServerVersionAsync(connections, cancellationToken);
            var schedule = services.GetRequiredService<DigestSchedule>();
            var now = DateTimeOffset.UtcNow;
            var fireAt = schedule.LatestDue(now - TimeSpan.FromDays(8), now) ?? now;

            var clock = Stopwatch.StartNew();
            var template = await EditionArticles.SaveAsync(services, options.Articles, SectionNames, fireAt, cancellationToken);
            result.ArticlesSetup = clock.Elapsed;
            clock.Restart();
            await InsertSubscribersAsync(connections, now, cancellationToken);
            result.SubscribersSetup = clock.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Set-up: {options.Articles} articles in {result.ArticlesSetup.TotalSeconds:0.0} s, {options.Subscribers:N0} subscribers (SQL, + ANALYZE) in {result.SubscribersSetup.TotalSeconds:0.0} s"));

            await services.GetRequiredService<TemplateRenderer>().CompileAllAsync(["digest"], cancellationToken);
            clock.Restart();
            var edition = await services.GetRequiredService<DigestBuilder>().BuildAsync(fireAt, cancellationToken);
            result.Build = clock.Elapsed;
            Check(edition.Status == EditionStatus.Ready, $"the edition is {edition.Status} after BuildAsync, expected ready");
            var campaign = DigestCampaign.Of(edition.Key);
            var control = services.GetRequiredService<CampaignControl>();
            // Held until the serve processes are up, so that their start-up is not in the send time.
            if (options.Instances > 0)
                await control.SetStateAsync(campaign, CampaignState.Paused, "scale benchmark: the senders are starting", cancellationToken);

            if (options.WriterIntervalMs > 0)
            {
                using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                result.Quiet = await WriteLoopAsync(services, template, "quiet", quiet.Token);
            }
            if (options.ServeQueues)
                (result.Queued, result.Copies) = (options.Subscribers, 8); // checked once the serve process has queued it
            else
                await QueueAsync(result, services, template, edition.Key, cancellationToken);
            Check(result.Queued == options.Subscribers, $"QueueAsync queued {result.Queued} messages, expected {options.Subscribers} (every reader has a section with articles)");
            Check(result.Copies == 8, $"{result.Copies} copies rendered, expected 8 (all sections and the 7 subsets of 3)");
            Check(result.Quiet is not { Failures: > 0 } && result.DuringQueue is not { Failures: > 0 },
                $"the concurrent writer failed: {result.DuringQueue?.LastError ?? result.Quiet?.LastError}");
            result.DatabaseSize = await DatabaseSizeAsync(connections, database, cancellationToken);

            if (options.Instances > 0 && _failures.Count == 0)
            {
                result.WireBytes = WireBytes(services, edition.Key, campaign);
                await DeliverAsync(result, connections, control, sink!, settings, edition.Key, campaign, cancellationToken);
                await SourceAsync(result, sink!, cancellationToken);
                result.SinkCounted = await sink!.StopAsync();
                Check(result.SinkCounted == result.Sent + result.SourceCount,
                    $"smtp-sink counted {result.SinkCounted} messages, expected {result.Sent} from the gateway + {result.SourceCount} from smtp-source");
            }
        }
        finally
        {
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
        return result;
    }

    // ------------------------------------------------------------------ set-up

    /// <summary>
    /// N active readers written by SQL in one statement per table (an import of a million through the
    /// admin API is not what is measured): even ones take all sections, odd ones each of the 7 non-empty
    /// subsets of the 3 sections in turn. Then ANALYZE, as the server's autovacuum would have done.
    /// </summary>
    private async Task InsertSubscribersAsync(Database connections, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var n = options.Subscribers;
        var postgres = options.Storage == StorageProvider.PostgreSql;
        var at = SqlValues.Instant(now - TimeSpan.FromDays(30));
        var numbers = postgres ? $"generate_series(0, {n - 1}) AS g(i)" : "g";
        var with = postgres ? "" : $"WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {n - 1}) ";
        var id = postgres ? "lpad(to_hex(i), 32, '0')" : "printf('%032x', i)";
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await Sql.ExecuteAsync(connection, transaction, $"""
                {with}INSERT INTO subscribers (subscriber_id, address, name, search_key, status, all_sections, consent_at, consent_source, confirm_day_count, created_at, updated_at, confirmed_at)
                SELECT {id}, 'lecteur.' || i || '@exemple.fr', 'Lecteur ' || i, 'lecteur.' || i || '@exemple.fr lecteur ' || i, 'active',
                       CASE WHEN i % 2 = 0 THEN 1 ELSE 0 END, '{at}', 'scale benchmark', 0, '{at}', '{at}', '{at}'
                FROM {numbers}
                """, cancellationToken);
            for (var j = 0; j < SectionNames.Length; j++)
                await Sql.ExecuteAsync(connection, transaction, $"""
                    {with}INSERT INTO subscriber_sections (subscriber_id, section)
                    SELECT {id}, '{SectionNames[j]}' FROM {numbers} WHERE i % 2 = 1 AND ((((i / 2) % 7 + 1) >> {j}) & 1) = 1
                    """, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await Sql.ExecuteAsync(connection, null, postgres ? "VACUUM ANALYZE" : "ANALYZE", cancellationToken);
    }

    // ------------------------------------------------------------------ queuing

    private async Task QueueAsync(Result result, IServiceProvider services, Article template, string key, CancellationToken cancellationToken)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        result.WorkingSetBefore = self.WorkingSet64;
        result.HeapBefore = GC.GetTotalMemory(false);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var me = Process.GetCurrentProcess();
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                do
                {
                    me.Refresh();
                    result.PeakWorkingSet = Math.Max(result.PeakWorkingSet, me.WorkingSet64);
                    result.PeakHeap = Math.Max(result.PeakHeap, GC.GetTotalMemory(false));
                }
                while (await timer.WaitForNextTickAsync(sampling.Token));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        using var writing = new CancellationTokenSource();
        var writer = options.WriterIntervalMs > 0 ? WriteLoopAsync(services, template, "queue", writing.Token) : null;

        var clock = Stopwatch.StartNew();
        result.Queued = await services.GetRequiredService<DigestQueue>().QueueAsync(key, cancellationToken);
        result.QueueWall = clock.Elapsed;
        await writing.CancelAsync();
        if (writer is not null)
            result.DuringQueue = await writer;
        await sampling.CancelAsync();
        await sampler;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        result.HeapAfter = GC.GetTotalMemory(false);
        Check(result.LoggedMs > 0, "DigestQueue's final log line (Render, Queue, Longest) was not captured");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Queued {result.Queued:N0} in {result.QueueWall.TotalSeconds:0.0} s (render {result.RenderMs} ms, queue {result.QueueMs} ms, longest {result.LongestMs} ms); peak working set {Mib(result.PeakWorkingSet)}, GC heap {Mib(result.PeakHeap)}"));
        if (result.DuringQueue is { } w)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Writer during the queuing: {w.Writes} writes, median {w.MedianMs:0.0} ms, p99 {w.P99Ms:0.0} ms, max {w.MaxMs:0.0} ms ({w.MaxOp}); quiet: median {result.Quiet?.MedianMs:0.0} ms, max {result.Quiet?.MaxMs:0.0} ms"));
    }

    /// <summary>
    /// Another writer of the gateway, every <see cref="ScaleBenchmarkOptions.WriterIntervalMs"/>: in turn an
    /// article saved as the admin API saves one, and a person subscribing (the pending row and its
    /// confirmation plan, as the public form does). Each write's latency is what a user would wait.
    /// </summary>
    private async Task<WriterResult> WriteLoopAsync(IServiceProvider services, Article template, string label, CancellationToken stop)
    {
        var articles = services.GetRequiredService<ArticleStore>();
        var subscribers = services.GetRequiredService<SubscriberStore>();
        var latencies = new List<(double Ms, string Op)>();
        var (failures, lastError) = (0, (string?)null);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var op = i % 2 == 0 ? "article saved" : "subscription";
            var clock = Stopwatch.StartNew();
            try
            {
                if (i % 2 == 0)
                {
                    var slug = $"ecriture-{label}-{i}";
                    await articles.SaveAsync(template with
                    {
                        Id = slug, Slug = slug, Source = $"bench/{slug}.md", CanonicalUrl = $"https://www.en-contact.com/{slug}",
                        ContentHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(slug))),
                        PublishedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
                    }, CancellationToken.None);
                }
                else
                {
                    await subscribers.PlanConfirmationAsync(new SubscriptionRequest($"nouveau.{label}.{i}@exemple.fr", "Nouveau lecteur", null, "form"),
                        TimeSpan.FromMinutes(10), 5, CancellationToken.None);
                }
                latencies.Add((clock.Elapsed.TotalMilliseconds, op));
            }
            catch (Exception e)
            {
                failures++;
                lastError = $"{op}: {e.GetType().Name}: {e.Message}";
            }
            try
            {
                await Task.Delay(options.WriterIntervalMs, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var sorted = latencies.Select(l => l.Ms).Order().ToArray();
        var max = latencies.Count == 0 ? (0.0, "") : latencies.MaxBy(l => l.Ms);
        return new WriterResult(latencies.Count, failures, Stats.Median(sorted),
            sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)], max.Item1, max.Item2, lastError);
    }

    /// <summary>Keeps DigestQueue's figures from its log lines, and this process's memory at each progress line.</summary>
    private sealed class QueueLogCapture(Result result) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(result, categoryName == typeof(DigestQueue).FullName);

        public void Dispose()
        {
        }

        private sealed class Logger(Result result, bool queue) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => queue;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!queue || state is not IEnumerable<KeyValuePair<string, object?>> pairs)
                    return;
                var values = pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
                long Number(string name) => Convert.ToInt64(values[name], CultureInfo.InvariantCulture);
                if (values.ContainsKey("Longest"))
                {
                    (result.RenderMs, result.QueueMs, result.LongestMs, result.LoggedMs) = (Number("Render"), Number("Queue"), Number("Longest"), Number("Elapsed"));
                    (result.Mailable, result.Copies) = ((int)Number("Mailable"), (int)Number("Copies"));
                }
                else if (values.ContainsKey("Mailable"))
                {
                    using var self = Process.GetCurrentProcess();
                    result.Progress.Add(((int)Number("Mailable"), self.WorkingSet64, GC.GetTotalMemory(false)));
                }
            }
        }
    }

    // ------------------------------------------------------------------ delivery

    /// <summary>The size on the wire of one message of the all-sections copy, for smtp-source's -l.</summary>
    private static int WireBytes(IServiceProvider services, string key, string campaign)
    {
        var snapshot = services.GetRequiredService<DigestStore>().GetAsync(key, CancellationToken.None).GetAwaiter().GetResult()!.Value.Snapshot!;
        var rendered = services.GetRequiredService<DigestRenderer>().RenderAsync(snapshot, null).GetAwaiter().GetResult()!;
        var links = services.GetRequiredService<SubscriberLinks>();
        var id = new string('0', 32);
        var unsubscribe = links.UnsubscribeUrl(id);
        var messageKey = OutboxStore.KeyOf(campaign, "lecteur.0@exemple.fr");
        var message = services.GetRequiredService<MessageComposer>().Compose(new OutboxItem
        {
            MessageKey = messageKey,
            Campaign = campaign,
            Kind = MailKind.Bulk,
            Recipient = "lecteur.0@exemple.fr",
            RecipientName = "Lecteur 0",
            Body = new MessageBody(rendered.Subject, rendered.Text, rendered.Html),
            Variables = new Dictionary<string, string> { ["unsubscribe_url"] = unsubscribe, ["preferences_url"] = links.PreferencesUrl(id) },
            UnsubscribeUrl = unsubscribe,
            MessageId = OutboxStore.MessageIdOf(messageKey, "en-contact.com"),
            Attempts = 1,
        });
        message.Prepare(EncodingConstraint.EightBit, 998);
        using var counter = new MemoryStream();
        message.WriteTo(FormatOptions.Default, counter);
        return (int)counter.Length;
    }

    private async Task DeliverAsync(Result result, Database connections, CampaignControl control, SmtpSink sink, Dictionary<string, string?> settings, string editionKey, string campaign, CancellationToken cancellationToken)
    {
        var gateway = Path.Combine(AppContext.BaseDirectory, "EnContact.Syndication.dll");
        var processes = new List<(Process Process, int Port, string Log)>();
        var deadline = options.Timeout ?? TimeSpan.FromSeconds(120 + options.Subscribers / 100.0);
        try
        {
            for (var i = 0; i < options.Instances; i++)
            {
                var folder = Path.Combine(_work, $"instance-{i + 1}");
                Directory.CreateDirectory(Path.Combine(folder, "content"));
                var port = FreePort();
                var log = Path.Combine(folder, "serve.log");
                var start = new ProcessStartInfo("/bin/sh")
                {
                    ArgumentList = { "-c", $"exec dotnet '{gateway}' serve --urls http://127.0.0.1:{port} > '{log}' 2>&1" },
                    UseShellExecute = false,
                    WorkingDirectory = folder,
                };
                start.Environment["DOTNET_ENVIRONMENT"] = "Production";
                start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
                foreach (var (name, value) in ServeSettings(settings, folder, options.ServeQueues))
                    start.Environment["ENCONTACT__" + name.Replace(":", "__", StringComparison.Ordinal)] = value;
                processes.Add((Process.Start(start)!, port, log));
            }
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            foreach (var (process, port, log) in processes)
                await WaitListeningAsync(http, process, port, log, cancellationToken);
            output.WriteLine($"{processes.Count} serve process(es) up: {string.Join(", ", processes.Select(p => p.Process.Id))}");
            if (options.ServeQueues)
                await WaitQueuedByServeAsync(result, connections, processes[0].Process, editionKey, campaign, deadline, cancellationToken);
            output.WriteLine("Resuming the edition");

            var sinkCpuBefore = sink.CpuTime();
            var cpuBefore = processes.Select(p => ProcessCpu(p.Process.Id)).ToArray();
            var resumed = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            await control.SetStateAsync(campaign, CampaignState.Active, null, cancellationToken);
            var instances = processes.Select(p => new InstanceResult { Pid = p.Process.Id }).ToList();
            long open;
            var nextReport = TimeSpan.FromSeconds(30);
            while (true)
            {
                await Task.Delay(500, cancellationToken);
                foreach (var (instance, (process, _, _)) in instances.Zip(processes))
                {
                    var (rss, hwm) = Memory(process.Id);
                    (instance.LastRss, instance.PeakRss) = (rss, Math.Max(instance.PeakRss, hwm));
                }
                open = Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(*) FROM outbox WHERE campaign = '{campaign}' AND status IN ('pending', 'sending')", cancellationToken));
                if (open == 0 || clock.Elapsed > deadline || processes.Any(p => p.Process.HasExited))
                    break;
                if (clock.Elapsed > nextReport)
                {
                    nextReport += TimeSpan.FromSeconds(30);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {clock.Elapsed.TotalSeconds:0} s: {result.Queued - open:N0} sent ({(result.Queued - open) / clock.Elapsed.TotalSeconds:N0} msg/s); RSS {string.Join(" / ", instances.Select(x => Mib(x.LastRss)))}"));
                }
            }
            Check(open == 0, $"{open} messages still pending or sending after {clock.Elapsed.TotalSeconds:0} s (bound {deadline.TotalSeconds:0} s){(processes.Any(p => p.Process.HasExited) ? "; a serve process exited, see its serve.log" : "")}");
            for (var i = 0; i < instances.Count; i++)
                instances[i].Cpu = ProcessCpu(processes[i].Process.Id) - cpuBefore[i];
            result.SinkCpu = sink.CpuTime() - sinkCpuBefore;
            var lastSent = await ScalarAsync(connections, $"SELECT MAX(sent_at) FROM outbox WHERE campaign = '{campaign}'", cancellationToken);
            result.Send = lastSent is string text ? SqlValues.ReadInstant(text) - resumed : clock.Elapsed;
            result.Sent = Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(*) FROM outbox WHERE campaign = '{campaign}' AND status = 'sent'", cancellationToken));
            Check(result.Sent == result.Queued, $"{result.Sent} sent, {result.Queued} queued");
            var retried = Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(*) FROM outbox WHERE campaign = '{campaign}' AND attempts <> 1", cancellationToken));
            Check(retried == 0, $"{retried} messages took more than one attempt");
            // Which process sent what: the claim's owner ("machine/pid/instance") stays on the row.
            foreach (var instance in instances)
                instance.SentByIt = Convert.ToInt64(await ScalarAsync(connections,
                    $"SELECT COUNT(*) FROM outbox WHERE campaign = '{campaign}' AND status = 'sent' AND leased_by LIKE '%/{instance.Pid}/%'", cancellationToken));
            result.Instances.AddRange(instances);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Sent {result.Sent:N0} in {result.Send.TotalSeconds:0.0} s: {result.Sent / result.Send.TotalSeconds:N0} msg/s; per process {string.Join(" / ", instances.Select(x => $"{x.SentByIt:N0} sent, peak RSS {Mib(x.PeakRss)}, CPU {x.Cpu.TotalSeconds:0} s"))}"));
        }
        finally
        {
            foreach (var (process, _, _) in processes)
            {
                if (!process.HasExited)
                {
                    // SIGTERM: the gateway stops as in production (claims released, connections closed).
                    Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
                    using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    try { await process.WaitForExitAsync(bound.Token); }
                    catch (OperationCanceledException) { process.Kill(); }
                }
                process.Dispose();
            }
        }
    }

    /// <summary>
    /// Waits until the serve process's digest scheduler has queued the ready edition (its status moves
    /// to sending), then checks it queued one message per reader in 8 copies' worth of section sets.
    /// </summary>
    private async Task WaitQueuedByServeAsync(Result result, Database connections, Process serve, string editionKey, string campaign, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? status = null;
        while (clock.Elapsed < deadline && !serve.HasExited)
        {
            status = await ScalarAsync(connections, $"SELECT status FROM digest_editions WHERE edition_key = '{editionKey}'", cancellationToken) as string;
            if (status is not "ready")
                break;
            await Task.Delay(200, cancellationToken);
        }
        result.QueueWall = clock.Elapsed;
        result.Queued = (int)Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(*) FROM outbox WHERE campaign = '{campaign}'", cancellationToken));
        var bodies = Convert.ToInt64(await ScalarAsync(connections, $"SELECT COUNT(DISTINCT body_key) FROM outbox WHERE campaign = '{campaign}'", cancellationToken));
        Check(bodies == 7, $"the serve process queued {bodies} distinct bodies, expected 7 (8 copies; all sections and the 3-section subset are the same letter)");
        Check(status == "sending", $"the serve process left the edition {status ?? "unread"} after {clock.Elapsed.TotalSeconds:0} s, expected sending (see its serve.log)");
        Check(result.Queued == options.Subscribers, $"the serve process queued {result.Queued} messages, expected {options.Subscribers}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The serve process queued {result.Queued:N0} messages (seen after {result.QueueWall.TotalSeconds:0.0} s)"));
    }

    /// <summary>A serve process's settings: the shared ones, with its own folders, nothing scheduled or watched but delivery (and the digest's queuing when it queues).</summary>
    private static Dictionary<string, string?> ServeSettings(Dictionary<string, string?> shared, string folder, bool queues) => new(shared)
    {
        ["Ingestion:Enabled"] = "false",
        ["Ingestion:ContentPath"] = Path.Combine(folder, "content"),
        ["Digest:Enabled"] = queues ? "true" : "false",
        ["Digest:LedgerPath"] = Path.Combine(folder, "ledger.txt"),
        ["Admin:ApiToken"] = BenchGateway.AdminToken,
        ["Templates:Path"] = BenchGateway.TemplatesFolder(),
        ["Subscribers:TokenSecret"] = BenchGateway.LinkSecret,
        ["Members:FeedTokenSecret"] = BenchGateway.MemberFeedSecret,
        ["PersonalData:HashKey"] = BenchGateway.LinkSecret,
        ["Subscribers:PublicUrl"] = BenchGateway.PublicUrl,
        ["Feeds:PublicUrl"] = "https://flux.en-contact.com/",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:EnContact.Syndication.Delivery"] = "Information",
    };

    private static async Task WaitListeningAsync(HttpClient http, Process process, int port, string log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz", cancellationToken);
                return; // any answer: Kestrel listens, so the hosted services (the delivery worker) have started
            }
            // Refused while it starts; a slow answer (the client's 2 s) on a loaded machine is tried again too.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested
                && clock.Elapsed < TimeSpan.FromSeconds(120) && !process.HasExited)
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"serve process {process.Id} did not answer on port {port}: {SmtpSink.Tail(log, 1500)}");
            }
        }
    }

    private async Task SourceAsync(Result result, SmtpSink sink, CancellationToken cancellationToken)
    {
        var count = options.SourceMessages ?? options.Subscribers;
        if (count == 0)
            return;
        var sessions = options.Instances * options.Connections;
        var run = await SmtpSource.RunAsync(_work, "source", sink.Port, count, result.WireBytes, sessions, "lettre@en-contact.com", reuseConnections: true, cancellationToken);
        if (run.TimedOut)
            _failures.Add("smtp-source did not finish within its bound");
        result.SourceElapsed = run.Elapsed;
        result.SourceCount = count;
        Check(run.ExitCode == 0, $"smtp-source exited with {run.ExitCode}: {SmtpSink.Tail(run.OutputFile, 300)}");
        result.SourceCpu = run.Cpu;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"smtp-source -d: {count:N0} messages of {result.WireBytes:N0} bytes over {sessions} sessions in {result.SourceElapsed.TotalSeconds:0.0} s: {count / result.SourceElapsed.TotalSeconds:N0} msg/s"));
    }

    // ------------------------------------------------------------------ helpers

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>VmRSS and VmHWM (the peak resident set) of a process, from /proc.</summary>
    private static (long Rss, long Peak) Memory(int pid)
    {
        try
        {
            long Field(string[] lines, string name) =>
                lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
                    ? long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024 : 0;
            var status = File.ReadAllLines($"/proc/{pid}/status");
            return (Field(status, "VmRSS:"), Field(status, "VmHWM:"));
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    private static TimeSpan ProcessCpu(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / (double)Math.Max(1, SysConf(2)));
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private static async Task<object?> ScalarAsync(Database connections, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var value = await Sql.ScalarAsync(connection, null, sql, cancellationToken);
        return value is DBNull ? null : value;
    }

    private async Task<string> ServerVersionAsync(Database connections, CancellationToken cancellationToken) =>
        options.Storage == StorageProvider.PostgreSql
            ? "PostgreSQL " + await ScalarAsync(connections, "SHOW server_version", cancellationToken)
              + $" (fsync {await ScalarAsync(connections, "SHOW fsync", cancellationToken)}, synchronous_commit {await ScalarAsync(connections, "SHOW synchronous_commit", cancellationToken)}, shared_buffers {await ScalarAsync(connections, "SHOW shared_buffers", cancellationToken)})"
            : "SQLite " + await ScalarAsync(connections, "SELECT sqlite_version()", cancellationToken)
              + $" (journal {await ScalarAsync(connections, "PRAGMA journal_mode", cancellationToken)}, synchronous {await ScalarAsync(connections, "PRAGMA synchronous", cancellationToken)})";

    private async Task<string> DatabaseSizeAsync(Database connections, string database, CancellationToken cancellationToken) =>
        options.Storage == StorageProvider.PostgreSql
            ? Mib(Convert.ToInt64(await ScalarAsync(connections, "SELECT pg_database_size(current_database())", cancellationToken)))
            : Mib(new[] { "", "-wal" }.Sum(s => File.Exists(database + s) ? new FileInfo(database + s).Length : 0));

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    // ------------------------------------------------------------------ report

    private string Report(Result r, DateTimeOffset started, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Scale run ({started:yyyy-MM-dd HH:mm} UTC; load {loadBefore} before, {loadAfter} after): {r.ServerVersion}; {options.Subscribers:N0} readers, "
            + $"{options.Articles} articles in 3 sections, {r.Copies} copies; database after queuing {r.DatabaseSize}. Set-up (not timed below): articles {r.ArticlesSetup.TotalSeconds:0.0} s, readers by SQL {r.SubscribersSetup.TotalSeconds:0.0} s, build {r.Build.TotalSeconds:0.00} s.");
        text.AppendLine();
        if (options.ServeQueues)
        {
            text.AppendLine(inv, $"Queued by the serve process itself (its digest scheduler), {r.Queued:N0} messages, seen {r.QueueWall.TotalSeconds:0.0} s after it answered: its peak RSS below covers start-up, queuing and sending.");
            text.AppendLine();
        }
        else
        {
            text.AppendLine("| Queuing (`DigestQueue.QueueAsync`, in this process) | Value |");
            text.AppendLine("|---|---:|");
            text.AppendLine(inv, $"| Wall / as logged | {r.QueueWall.TotalSeconds:0.00} s / {r.LoggedMs / 1000.0:0.00} s ({r.Queued / r.QueueWall.TotalSeconds:N0} readers/s) |");
            text.AppendLine(inv, $"| … reading readers, rendering, building requests (Render) | {r.RenderMs / 1000.0:0.00} s |");
            text.AppendLine(inv, $"| … queuing transactions (Queue), {DigestQueue.PageSize:N0} readers each | {r.QueueMs / 1000.0:0.00} s |");
            text.AppendLine(inv, $"| … longest transaction (Longest) | {r.LongestMs} ms |");
            text.AppendLine(inv, $"| Working set: before → peak (50 ms samples) | {Mib(r.WorkingSetBefore)} → {Mib(r.PeakWorkingSet)} |");
            text.AppendLine(inv, $"| GC heap: before → peak → after a full GC | {Mib(r.HeapBefore)} → {Mib(r.PeakHeap)} → {Mib(r.HeapAfter)} |");
            if (r.Progress.Count > 0)
                text.AppendLine("| Working set / GC heap at each progress line | " + string.Join(", ", r.Progress.Select(p => string.Create(inv, $"{p.Readers / 1000:N0}k: {p.WorkingSet / 1048576.0:N0}/{p.Heap / 1048576.0:N0}"))) + " MiB |");
            if (r.DuringQueue is { } w && r.Quiet is { } q)
            {
                text.AppendLine(inv, $"| Writer, quiet (5 s before): writes, median / p99 / max | {q.Writes}, {q.MedianMs:0.0} / {q.P99Ms:0.0} / {q.MaxMs:0.0} ms |");
                text.AppendLine(inv, $"| Writer during the queuing: writes, median / p99 / **max** (its operation) | {w.Writes}, {w.MedianMs:0.0} / {w.P99Ms:0.0} / **{w.MaxMs:0.0} ms** ({w.MaxOp}) |");
                text.AppendLine(inv, $"| Worst wait / longest queuing transaction | {w.MaxMs / Math.Max(1, r.LongestMs):0.00} |");
            }
            text.AppendLine();
        }
        if (r.Instances.Count > 0)
        {
            var rate = r.Sent / r.Send.TotalSeconds;
            var sourceRate = r.SourceCount / r.SourceElapsed.TotalSeconds;
            text.AppendLine(inv, $"| Delivery: {r.Instances.Count} `serve` process(es) × {options.Connections} connections, batch {options.BatchSize}, one smtp-sink | Value |");
            text.AppendLine("|---|---:|");
            text.AppendLine(inv, $"| {r.Sent:N0} messages of {r.WireBytes / 1024.0:0.0} KiB, resume → last sent | {r.Send.TotalSeconds:0.0} s, **{rate:N0} msg/s** |");
            foreach (var (x, i) in r.Instances.Select((x, i) => (x, i + 1)))
                text.AppendLine(inv, $"| Process {i}: sent, peak RSS (VmHWM), CPU | {x.SentByIt:N0}, {Mib(x.PeakRss)}, {x.Cpu.TotalSeconds:0} s ({x.Cpu.TotalSeconds / r.Send.TotalSeconds / Environment.ProcessorCount * 100:0} % of the machine) |");
            text.AppendLine(inv, $"| smtp-sink CPU during the send | {r.SinkCpu.TotalSeconds:0} s |");
            if (r.SourceCount > 0)
            {
                text.AppendLine(inv, $"| smtp-source -d, {r.SourceCount:N0} messages, same size, {options.Instances * options.Connections} sessions, same sink | {r.SourceElapsed.TotalSeconds:0.0} s, {sourceRate:N0} msg/s (CPU {r.SourceCpu.TotalSeconds:0} s) |");
                text.AppendLine(inv, $"| Gateway / smtp-source | **{rate / sourceRate:0.00}** |");
            }
            text.AppendLine();
        }
        text.AppendLine(inv,
            $"Runtime: .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC.");
        return text.ToString().TrimEnd();
    }
}
