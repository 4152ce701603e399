using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using EnContact.Syndication.Tests.Fixtures;
using MailKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Npgsql;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>bounces</c> benchmark.</summary>
public sealed record BounceBenchmarkOptions
{
    public StorageProvider Storage { get; init; } = StorageProvider.Sqlite;
    /// <summary>Readers of the edition, each of whose messages comes back once.</summary>
    public int Bounces { get; init; } = 10_000;
    public int Runs { get; init; } = 3;
    /// <summary>Reports handled (each phase) on a throw-away copy before the timed runs, so that they do not time the JIT.</summary>
    public int Warmup { get; init; } = 500;
    public bool SkipMailbox { get; init; }
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
}

/// <summary>
/// The bounce loop at the scale of an edition. Set-up (not timed): a real edition of N readers — 20
/// articles, N subscribers imported, <see cref="DigestBuilder"/>, <see cref="DigestQueue"/> — sent by
/// the gateway's own <see cref="DeliveryWorker"/> (VERP return path and List-Unsubscribe mailto on)
/// to <see cref="ReportingRelay"/>, which writes the report each message earns; the store is then
/// kept as a snapshot. Each run starts from that snapshot and measures (a) the handler alone, parse
/// and <see cref="IBounceMailHandler.HandleAsync"/> for every report, and (b) the whole reader: the
/// reports appended to a real Dovecot's INBOX, then the gateway's <see cref="BounceMailboxWorker"/>
/// until every one is filed. After each phase every reader's state is checked against its report.
/// </summary>
public sealed class BounceBenchmark(BounceBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    public const string Usage = """
          bounces [--bounces N] [--runs R] [--warmup W] [--storage sqlite|postgresql] [--no-mailbox] [--work DIR] [--keep]
              An edition of N readers really sent (articles, import, DigestBuilder, DigestQueue, the gateway's
              DeliveryWorker with a VERP return path) to a relay that writes the report each message earns: per
              hundred readers 60 Postfix 5.1.1, 10 Exchange Online 5.1.10, 5 Exim 5.1.1, 5 Gmail 5.2.2, 5 Postfix
              4.2.2 expired, 5 ARF complaints, 3 delay warnings, 4 auto-replies, 3 mailed unsubscribes, each with
              what its mail system encloses of the original. Then R runs, each from a snapshot of the store:
              (a) MimeMessage.Load + BounceMailHandler.HandleAsync for all N (messages/s, allocated bytes per
              message, peak working set and GC heap); (b) the N appended to a real Dovecot's INBOX (not timed),
              then the gateway's BounceMailboxWorker until every one is filed in Traitements (messages/s, memory).
              After each phase: every reader suppressed, unsubscribed or untouched as its report says, counts of
              bounce_events by kind, nothing left for review. PostgreSQL: the server ENCONTACT_BENCH_POSTGRES names
              (eval "$(bash bench/postgres.sh start)"), a snapshot database copied per run (TEMPLATE), dropped after.
              Needs /usr/sbin/dovecot (package dovecot-imapd; its service need not run) unless --no-mailbox.
              Defaults: 10000 bounces, 3 runs, 500 warm-up reports, sqlite. Exit code 1 when a check fails.
        """;

    private const string ReturnPathAddress = "rebonds@lettre.en-contact.com";
    private const string UnsubscribeMailbox = "desabonnement@lettre.en-contact.com";
    private static readonly string[] SectionNames = SubscribersOptions.DefaultSections.Take(3).ToArray();

    public static async Task<int> MainAsync(string[] args, TextWriter output)
    {
        var options = BenchArgs.Parse(args, new BounceBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--bounces" => o with { Bounces = a.Count(100) },
            "--runs" => o with { Runs = a.Count(1) },
            "--warmup" => o with { Warmup = a.Count(0) },
            "--storage" => o with
            {
                Storage = a.Next().ToLowerInvariant() switch
                {
                    "sqlite" => StorageProvider.Sqlite,
                    "postgresql" or "postgres" => StorageProvider.PostgreSql,
                    var other => throw new ArgumentException($"--storage is sqlite or postgresql, not {other}"),
                },
            },
            "--no-mailbox" => o with { SkipMailbox = true },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        if (options.Storage == StorageProvider.PostgreSql && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ENCONTACT_BENCH_POSTGRES")))
        {
            Console.Error.WriteLine("ENCONTACT_BENCH_POSTGRES is not set: eval \"$(bash bench/postgres.sh start)\" first (a durable cluster of the benchmark's own).");
            return 2;
        }
        if (!options.SkipMailbox && !File.Exists(Environment.GetEnvironmentVariable(TestDovecot.Variable) is { Length: > 0 } binary ? binary : "/usr/sbin/dovecot"))
        {
            Console.Error.WriteLine($"/usr/sbin/dovecot is needed (apt-get install dovecot-imapd; its service need not run), or {TestDovecot.Variable} naming one; or --no-mailbox.");
            return 2;
        }
        if (BenchGateway.TemplatesFolder() is null)
        {
            Console.Error.WriteLine("templates/digest/ not found above the current directory or the program's folder: run from the repository.");
            return 2;
        }
        return await RunInterruptiblyAsync(new BounceBenchmark(options, output).RunAsync);
    }

    // ------------------------------------------------------------------ results

    private sealed record Phase(Sample Sample, int Messages, TimeSpan Parse, TimeSpan Handle, long ReportBytes)
    {
        public double Rate => Messages / Sample.Elapsed.TotalSeconds;

        /// <summary>The mailbox: CPU of Dovecot's processes (the master and every process it reaped) during the phase.</summary>
        public TimeSpan DovecotCpu { get; init; }

        /// <summary>The mailbox: messages/s from one quarter of the folder filed to the next (does the rate hold as the folders fill and empty?).</summary>
        public IReadOnlyList<double> QuarterRates { get; init; } = [];
    }

    private sealed class SetUp
    {
        public TimeSpan Articles, Import, Queue, Send;
        public int Queued;
        public string EditionKey = "", Campaign = "", ServerVersion = "";
        public readonly List<int> MessageSizes = [];
        public readonly List<(int Reader, ReturnKind Kind, int Bytes)> Reports = [];
    }

    /// <summary>The edition's row: its status and the counts recorded when it finished (none before).</summary>
    private sealed record EditionRecord(string Status, long? Sent, long? Failed);

    // ------------------------------------------------------------------ run

    private string _work = "";
    private string? _adminConnection;
    private readonly List<string> _databases = [];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        _work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-bounce-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(Path.Combine(_work, "content"));
        Directory.CreateDirectory(Path.Combine(_work, "reports"));
        Directory.CreateDirectory(Path.Combine(_work, "data"));
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        output.WriteLine($"Work folder: {_work}; {options.Storage}, {options.Bounces:N0} readers and reports, {options.Runs} run(s); load {loadBefore}");
        try
        {
            var setUp = await SetUpAsync(cancellationToken);
            if (_failures.Count > 0)
                return Fail();
            var readers = setUp.Reports.OrderBy(r => r.Reader).Select(r => (r.Reader, r.Kind)).ToList();

            if (options.Warmup > 0)
            {
                output.WriteLine($"Warm-up: {options.Warmup} reports through each phase (not reported)");
                await HandlerPhaseAsync(setUp, readers.Take(options.Warmup).ToList(), "warm-up", verify: false, cancellationToken);
                if (!options.SkipMailbox)
                    await MailboxPhaseAsync(setUp, readers.Take(options.Warmup).ToList(), "warm-up", verify: false, cancellationToken);
            }
            var handler = new List<Phase>();
            var mailbox = new List<Phase>();
            var loads = new List<string>();
            for (var run = 1; run <= options.Runs && _failures.Count == 0; run++)
            {
                loads.Add(LoadAverage());
                handler.Add(await HandlerPhaseAsync(setUp, readers, $"run {run}", verify: true, cancellationToken));
                if (!options.SkipMailbox && _failures.Count == 0)
                    mailbox.Add(await MailboxPhaseAsync(setUp, readers, $"run {run}", verify: true, cancellationToken));
            }
            if (_failures.Count > 0)
                return Fail();
            return Succeed(output,
                $"in every run and phase, all {options.Bounces:N0} reports understood (none for review{(options.SkipMailbox ? "" : ", INBOX empty, all in Traitements")}); "
                + "every reader suppressed, soft-bounced, unsubscribed or untouched exactly as its report says; bounce_events counts by kind as expected.",
                Report(setUp, handler, mailbox, started, loadBefore, loads, LoadAverage()));
        }
        finally
        {
            if (_adminConnection is not null && !options.Keep)
                foreach (var name in _databases)
                    await DropDatabaseAsync(name);
            SqliteConnection.ClearAllPools();
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(_work, recursive: true);
        }
    }

    // ------------------------------------------------------------------ set-up

    private string SnapshotName => $"encontact_bounces_{Environment.ProcessId}_snapshot";

    private string SnapshotPath => Path.Combine(_work, "data", "snapshot.db");

    /// <summary>The gateway's settings on <paramref name="database"/> (a SQLite path, or a PostgreSQL database name).</summary>
    private Dictionary<string, string?> Settings(string database, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = options.Storage.ToString(),
            ["Delivery:ReturnPath"] = ReturnPathAddress,
            ["Delivery:ReturnPathSecret"] = "bench-return-path-secret-0123456789abcdef",
            ["Delivery:UnsubscribeMailbox"] = UnsubscribeMailbox,
            ["Digest:LedgerPath"] = Path.Combine(_work, "data", "ledger.txt"),
            // The handler's per-report warning and the reader's per-message line are produced (their
            // cost is the product's) but not printed: the console is not what is measured.
            ["Logging:Console:LogLevel:Default"] = "Error",
        };
        if (options.Storage == StorageProvider.PostgreSql)
            settings["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(_adminConnection) { Database = database, MaxPoolSize = 50 }.ToString();
        for (var i = 0; i < SectionNames.Length; i++)
            settings[$"Subscribers:Sections:{i}"] = SectionNames[i];
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            settings[key] = value;
        return settings;
    }

    private Task<WebApplication> GatewayAsync(string database, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? extra = null) =>
        BenchGateway.CreateAppAsync(_work, Path.Combine(_work, "content"), options.Storage == StorageProvider.Sqlite ? database : Path.Combine(_work, "data", "unused.db"),
            Settings(database, extra), null, cancellationToken);

    private async Task<SetUp> SetUpAsync(CancellationToken cancellationToken)
    {
        var setUp = new SetUp();
        string database;
        if (options.Storage == StorageProvider.PostgreSql)
        {
            _adminConnection = Environment.GetEnvironmentVariable("ENCONTACT_BENCH_POSTGRES")!;
            database = SnapshotName;
            await CreateDatabaseAsync(database, template: null, cancellationToken);
        }
        else
            database = SnapshotPath;

        var app = await GatewayAsync(database, cancellationToken);
        try
        {
            var services = app.Services;
            var connections = services.GetRequiredService<Database>();
            setUp.ServerVersion = await ServerVersionAsync(connections, cancellationToken);
            var schedule = services.GetRequiredService<DigestSchedule>();
            var now = DateTimeOffset.UtcNow;
            var fireAt = schedule.LatestDue(now - TimeSpan.FromDays(8), now) ?? now;

            var clock = Stopwatch.StartNew();
            await EditionArticles.SaveAsync(services, 20, SectionNames, fireAt, cancellationToken);
            setUp.Articles = clock.Elapsed;

            clock.Restart();
            var readers = new Dictionary<string, int>(StringComparer.Ordinal);
            var rows = new List<ImportRow>(options.Bounces);
            for (var i = 0; i < options.Bounces; i++)
            {
                var (address, name) = NewsletterGenerator.Recipient(i);
                readers[address] = i;
                rows.Add(new ImportRow(i + 2, address, name, now - TimeSpan.FromDays(1 + i % 700), "bench import", null));
            }
            var created = (await services.GetRequiredService<SubscriberStore>().ImportAsync(rows, dryRun: false, null, cancellationToken)).Count(o => o.Result == ImportResult.Created);
            setUp.Import = clock.Elapsed;
            Check(created == options.Bounces, $"import created {created} subscribers, expected {options.Bounces}");

            clock.Restart();
            await services.GetRequiredService<TemplateRenderer>().CompileAllAsync(["digest"], cancellationToken);
            var edition = await services.GetRequiredService<DigestBuilder>().BuildAsync(fireAt, cancellationToken);
            Check(edition.Status == EditionStatus.Ready, $"the edition is {edition.Status} after BuildAsync, expected ready");
            setUp.EditionKey = edition.Key;
            setUp.Campaign = DigestCampaign.Of(edition.Key);
            setUp.Queued = await services.GetRequiredService<DigestQueue>().QueueAsync(edition.Key, cancellationToken);
            setUp.Queue = clock.Elapsed;
            Check(setUp.Queued == options.Bounces, $"QueueAsync queued {setUp.Queued} messages, expected {options.Bounces}");

            clock.Restart();
            var relay = new ReportingRelay(Path.Combine(_work, "reports"), readers);
            var worker = ActivatorUtilities.CreateInstance<DeliveryWorker>(services, (IMailSender)relay);
            await worker.StartAsync(cancellationToken);
            var control = services.GetRequiredService<CampaignControl>();
            var deadline = TimeSpan.FromSeconds(120 + options.Bounces / 50.0);
            CampaignProgress? progress;
            EditionRecord? record;
            while (true)
            {
                // Until the worker has also finished the edition (it does once the outbox runs dry), as before real reports arrive.
                await Task.Delay(250, cancellationToken);
                progress = (await control.ProgressAsync(setUp.Campaign, cancellationToken)).SingleOrDefault();
                record = await EditionAsync(connections, setUp.EditionKey, cancellationToken);
                if ((progress is { Pending: 0, Sending: 0 } && record is { Status: not "sending" }) || clock.Elapsed > deadline)
                    break;
            }
            await worker.StopAsync(CancellationToken.None);
            setUp.Send = clock.Elapsed;
            Check(progress is { Pending: 0, Sending: 0, Failed: 0, Suppressed: 0 } && progress.Sent == options.Bounces,
                $"after sending, the outbox says {progress?.ToString() ?? "nothing"}, expected {options.Bounces} sent");
            Check(relay.Accepted == options.Bounces, $"the relay accepted {relay.Accepted} messages, expected {options.Bounces}");
            Check(record is { Status: "sent" } && record.Sent == options.Bounces, $"after sending, the edition is {record?.Status} with {record?.Sent} sent, expected sent with {options.Bounces}");
            setUp.MessageSizes.AddRange(relay.MessageSizes.Order());
            setUp.Reports.AddRange(relay.Reports);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Set-up: 20 articles {setUp.Articles.TotalSeconds:0.0} s, {options.Bounces:N0} readers imported {setUp.Import.TotalSeconds:0.0} s, edition built and queued {setUp.Queue.TotalSeconds:0.0} s, sent by the DeliveryWorker with the reports written {setUp.Send.TotalSeconds:0.0} s; edition {record?.Status} ({record?.Sent} sent); messages {Kib(Stats.Median(setUp.MessageSizes.Select(s => (double)s)))} (median), reports {Kib(setUp.Reports.Sum(r => (double)r.Bytes) / setUp.Reports.Count)} on average"));
        }
        finally
        {
            await app.DisposeAsync();
        }
        if (options.Storage == StorageProvider.Sqlite)
            await CheckpointAsync(SnapshotPath, cancellationToken);
        return setUp;
    }

    /// <summary>A fresh copy of the snapshot for one phase: a SQLite file copied, or a PostgreSQL database made from the snapshot as template.</summary>
    private async Task<string> RestoreAsync(string label, CancellationToken cancellationToken)
    {
        if (options.Storage == StorageProvider.PostgreSql)
        {
            var name = $"encontact_bounces_{Environment.ProcessId}_{label}";
            await DropDatabaseAsync(name);
            await CreateDatabaseAsync(name, SnapshotName, cancellationToken);
            return name;
        }
        var path = Path.Combine(_work, "data", $"{label}.db");
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(path + suffix);
        File.Copy(SnapshotPath, path);
        return path;
    }

    private async Task DiscardAsync(string database)
    {
        if (options.Storage == StorageProvider.PostgreSql)
        {
            if (!options.Keep)
                await DropDatabaseAsync(database);
            return;
        }
        SqliteConnection.ClearAllPools();
        if (!options.Keep)
            foreach (var suffix in new[] { "", "-wal", "-shm" })
                File.Delete(database + suffix);
    }

    // ------------------------------------------------------------------ (a) the handler alone

    private async Task<Phase> HandlerPhaseAsync(SetUp setUp, List<(int Reader, ReturnKind Kind)> readers, string label, bool verify, CancellationToken cancellationToken)
    {
        var database = await RestoreAsync("handler", cancellationToken);
        var app = await GatewayAsync(database, cancellationToken);
        try
        {
            var handler = app.Services.GetRequiredService<IBounceMailHandler>();
            var folder = Path.Combine(_work, "reports");
            var (parse, handle) = (new Stopwatch(), new Stopwatch());
            var (forReview, bytes) = (new List<string>(), 0L);
            var sample = await Measure.RunAsync(async () =>
            {
                foreach (var (reader, _) in readers)
                {
                    // Read from the page cache (the files were just written): the cost measured is the parse and the handling.
                    var raw = await File.ReadAllBytesAsync(ReportingRelay.PathOf(folder, reader), cancellationToken);
                    bytes += raw.Length;
                    parse.Start();
                    var message = MimeMessage.Load(new MemoryStream(raw, writable: false), cancellationToken);
                    parse.Stop();
                    handle.Start();
                    var verdict = await handler.HandleAsync(message, cancellationToken);
                    handle.Stop();
                    if (!verdict.Understood)
                        forReview.Add($"reader {reader}: {verdict.Summary}");
                }
                // As the mailbox's reader does after each pass: the editions the reports changed are counted again.
                handle.Start();
                await handler.CaughtUpAsync(cancellationToken);
                handle.Stop();
            });
            var phase = new Phase(sample, readers.Count, parse.Elapsed, handle.Elapsed, bytes);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}, handler alone: {readers.Count:N0} reports in {sample.Elapsed.TotalSeconds:0.00} s, {phase.Rate:N0}/s (parse {parse.Elapsed.TotalSeconds:0.00} s, handle {handle.Elapsed.TotalSeconds:0.00} s), {sample.AllocatedBytes / (double)readers.Count / 1024:N0} KiB allocated per report, peak working set {Mib(sample.PeakWorkingSetBytes)}, GC heap {Mib(sample.PeakGcHeapBytes)}, CPU {sample.Cpu.TotalSeconds:0.0} s"));
            Check(forReview.Count == 0, $"{label}, handler alone: {forReview.Count} reports not understood, e.g. {string.Join(" | ", forReview.Take(3))}");
            if (verify)
                await VerifyAsync(app.Services.GetRequiredService<Database>(), setUp, readers, $"{label}, handler alone", cancellationToken);
            return phase;
        }
        finally
        {
            await app.DisposeAsync();
            await DiscardAsync(database);
        }
    }

    // ------------------------------------------------------------------ (b) the mailbox, end to end

    private async Task<Phase> MailboxPhaseAsync(SetUp setUp, List<(int Reader, ReturnKind Kind)> readers, string label, bool verify, CancellationToken cancellationToken)
    {
        var database = await RestoreAsync("mailbox", cancellationToken);
        await using var dovecot = await TestDovecot.StartNewAsync();
        var clock = Stopwatch.StartNew();
        var bytes = await AppendAsync(dovecot, readers, cancellationToken);
        var appended = clock.Elapsed;
        var app = await GatewayAsync(database, cancellationToken, dovecot.GatewaySettings());
        try
        {
            var services = app.Services;
            var worker = services.GetRequiredService<BounceMailboxWorker>();
            var health = services.GetRequiredService<BounceMailboxHealth>();
            var deadline = TimeSpan.FromSeconds(120 + readers.Count / 20.0);
            var dovecotCpu = DovecotCpu();
            // When the filed count crossed each quarter of the folder, with the count then (messages are filed a batch at a time).
            var quarters = new List<(TimeSpan At, long Filed)>();
            var nextQuarter = 1;
            var sample = await Measure.RunAsync(async () =>
            {
                await worker.StartAsync(cancellationToken);
                var waited = Stopwatch.StartNew();
                while (waited.Elapsed < deadline)
                {
                    var seen = health.Changes.Version;
                    var filed = health.Current.Handled;
                    if (nextQuarter <= 4 && filed >= readers.Count * (long)nextQuarter / 4)
                    {
                        quarters.Add((waited.Elapsed, filed));
                        while (nextQuarter <= 4 && filed >= readers.Count * (long)nextQuarter / 4)
                            nextQuarter++;
                    }
                    if (health.Current.Handled >= readers.Count)
                        break;
                    try
                    {
                        await health.Changes.WaitForChangeAsync(seen, cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        // A guard only: the loop looks at the deadline and the reader's state again.
                    }
                    if (health.Current.State == BounceMailboxState.Unreachable)
                        break;
                }
            });
            await worker.StopAsync(CancellationToken.None);
            var status = health.Current;
            var phase = new Phase(sample, readers.Count, TimeSpan.Zero, TimeSpan.Zero, bytes)
            {
                DovecotCpu = await DovecotCpuAfterLogoutAsync(dovecotCpu, cancellationToken),
                QuarterRates = quarters.Select((q, i) => i == 0 ? q.Filed / q.At.TotalSeconds
                    : (q.Filed - quarters[i - 1].Filed) / (q.At - quarters[i - 1].At).TotalSeconds).ToList(),
            };
            var (inbox, processed, review) = await CountsAsync(dovecot, cancellationToken);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}, mailbox: appended {readers.Count:N0} ({Mib(bytes)}) in {appended.TotalSeconds:0.0} s (not timed); filed {status.Handled:N0} in {sample.Elapsed.TotalSeconds:0.00} s, {phase.Rate:N0}/s, by quarter {string.Join(" / ", phase.QuarterRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}/s, peak working set {Mib(sample.PeakWorkingSetBytes)}, GC heap {Mib(sample.PeakGcHeapBytes)}, CPU {sample.Cpu.TotalSeconds:0.0} s, Dovecot CPU {phase.DovecotCpu.TotalSeconds:0.0} s; INBOX {inbox}, Traitements {processed}, A-verifier {review}"));
            Check(status.Handled == readers.Count && status.MovedToReview == 0,
                $"{label}, mailbox: the reader filed {status.Handled} messages ({status.MovedToReview} for review) of {readers.Count}; state {status.State} {status.LastError}");
            Check(inbox == 0 && processed == readers.Count && review == 0,
                $"{label}, mailbox: INBOX holds {inbox}, Traitements {processed}, A-verifier {review}; expected 0, {readers.Count}, 0");
            if (verify)
                await VerifyAsync(services.GetRequiredService<Database>(), setUp, readers, $"{label}, mailbox", cancellationToken);
            return phase;
        }
        finally
        {
            await app.DisposeAsync();
            await DiscardAsync(database);
        }
    }

    /// <summary>
    /// CPU used so far by the Dovecot this process started: its master's own and that of every process
    /// the master reaped (each IMAP session is a process that ends at logout). From /proc.
    /// </summary>
    private static TimeSpan DovecotCpu()
    {
        var ticks = 0L;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (name != "dovecot" || fields[1] != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
                    continue;
                ticks += fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)); // utime, stime, cutime, cstime
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                // A process that ended meanwhile, or not a process folder.
            }
        }
        return TimeSpan.FromSeconds(ticks / (double)Math.Max(1, SysConf(2))); // _SC_CLK_TCK
    }

    /// <summary>Dovecot's CPU since <paramref name="before"/>, once the gateway's session has logged out and its process was reaped.</summary>
    private static async Task<TimeSpan> DovecotCpuAfterLogoutAsync(TimeSpan before, CancellationToken cancellationToken)
    {
        // The session's process ends a moment after LOGOUT; its CPU reaches the master's count when reaped.
        var last = DovecotCpu();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(100, cancellationToken);
            var now = DovecotCpu();
            if (now == last && i >= 3)
                break;
            last = now;
        }
        return last - before;
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);

    /// <summary>The reports, in readers' order, put in INBOX with IMAP MULTIAPPEND, 200 a command; their total size.</summary>
    private async Task<long> AppendAsync(TestDovecot dovecot, List<(int Reader, ReturnKind Kind)> readers, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_work, "reports");
        using var client = await dovecot.ConnectAsync();
        long bytes = 0;
        foreach (var batch in readers.Chunk(200))
        {
            var requests = new List<IAppendRequest>(batch.Length);
            foreach (var (reader, _) in batch)
            {
                var raw = await File.ReadAllBytesAsync(ReportingRelay.PathOf(folder, reader), cancellationToken);
                bytes += raw.Length;
                requests.Add(new AppendRequest(MimeMessage.Load(new MemoryStream(raw), cancellationToken)));
            }
            await client.Inbox.AppendAsync(requests, cancellationToken);
        }
        await client.DisconnectAsync(true, cancellationToken);
        return bytes;
    }

    private static async Task<(int Inbox, int Processed, int Review)> CountsAsync(TestDovecot dovecot, CancellationToken cancellationToken)
    {
        using var client = await dovecot.ConnectAsync();
        async Task<int> CountOf(string name)
        {
            try
            {
                var folder = await client.GetFolderAsync(name, cancellationToken);
                await folder.StatusAsync(StatusItems.Count, cancellationToken);
                return folder.Count;
            }
            catch (FolderNotFoundException)
            {
                return 0;
            }
        }
        var counts = (await CountOf("INBOX"), await CountOf("Traitements"), await CountOf("A-verifier"));
        await client.DisconnectAsync(true, cancellationToken);
        return counts;
    }

    // ------------------------------------------------------------------ checks

    /// <summary>
    /// Every reader against its report: outbox row, subscriber status, suppression; then the
    /// <c>bounce_events</c> rows by kind. Readers outside <paramref name="readers"/> must be untouched.
    /// </summary>
    private async Task VerifyAsync(Database connections, SetUp setUp, List<(int Reader, ReturnKind Kind)> readers, string label, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = new Dictionary<string, (string Status, string Class)>(StringComparer.Ordinal);
        await ReadAsync(connection, "SELECT recipient, status, COALESCE(failure_class, '') FROM outbox WHERE campaign = @campaign",
            r => rows[r.GetString(0)] = (r.GetString(1), r.GetString(2)), cancellationToken, ("@campaign", setUp.Campaign));
        var subscribers = new Dictionary<string, string>(StringComparer.Ordinal);
        await ReadAsync(connection, "SELECT address, status FROM subscribers", r => subscribers[r.GetString(0)] = r.GetString(1), cancellationToken);
        var suppressed = new HashSet<string>(StringComparer.Ordinal);
        await ReadAsync(connection, "SELECT address FROM suppressions", r => suppressed.Add(r.GetString(0)), cancellationToken);
        var events = new Dictionary<string, (long Rows, long Addresses)>(StringComparer.Ordinal);
        await ReadAsync(connection, "SELECT kind, COUNT(*), COUNT(DISTINCT address_hash) FROM bounce_events GROUP BY kind",
            r => events[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2)), cancellationToken);

        var expected = new Dictionary<int, ExpectedOutcome>();
        foreach (var (reader, kind) in readers)
            expected[reader] = ReturnedMail.OutcomeOf(kind);
        var wrong = new List<string>();
        var tally = new Dictionary<ExpectedOutcome, int>();
        for (var i = 0; i < options.Bounces; i++)
        {
            var address = NewsletterGenerator.Recipient(i).Address;
            var outcome = expected.GetValueOrDefault(i, ExpectedOutcome.Untouched);
            tally[outcome] = tally.GetValueOrDefault(outcome) + 1;
            var row = rows.GetValueOrDefault(address, ("missing", ""));
            var status = subscribers.GetValueOrDefault(address, "missing");
            var isSuppressed = suppressed.Contains(address);
            var right = outcome switch
            {
                ExpectedOutcome.Suppressed => row == ("failed", "mailbox") && isSuppressed && status == "active",
                ExpectedOutcome.SoftBounced => row == ("failed", "mailbox-full") && !isSuppressed && status == "active",
                ExpectedOutcome.Unsubscribed => row.Item1 == "sent" && isSuppressed && status == "unsubscribed",
                _ => row.Item1 == "sent" && !isSuppressed && status == "active",
            };
            if (!right)
                wrong.Add($"reader {i} ({outcome}): outbox {row.Item1}/{row.Item2}, subscriber {status}, suppressed {isSuppressed}");
        }
        Check(wrong.Count == 0, $"{label}: {wrong.Count} readers not as their report says, e.g. {string.Join(" | ", wrong.Take(3))}");
        Check(suppressed.Count == tally.GetValueOrDefault(ExpectedOutcome.Suppressed) + tally.GetValueOrDefault(ExpectedOutcome.Unsubscribed),
            $"{label}: {suppressed.Count} suppressions, expected {tally.GetValueOrDefault(ExpectedOutcome.Suppressed) + tally.GetValueOrDefault(ExpectedOutcome.Unsubscribed)}");
        foreach (var kind in new[] { "dsn", "complaint", "unsubscribe" })
        {
            var count = readers.Count(r => ReturnedMail.EventKindOf(r.Kind) == kind);
            var (rowsOfKind, addresses) = events.GetValueOrDefault(kind);
            Check(rowsOfKind == count && addresses == count, $"{label}: bounce_events holds {rowsOfKind} '{kind}' rows for {addresses} addresses, expected {count}");
        }
        Check(events.Keys.All(k => k is "dsn" or "complaint" or "unsubscribe"), $"{label}: bounce_events has kinds {string.Join(", ", events.Keys)}");
    }

    private static async Task ReadAsync(System.Data.Common.DbConnection connection, string sql, Action<System.Data.Common.DbDataReader> row, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        await using var command = Sql.Command(connection, null, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            row(reader);
    }

    private static async Task<EditionRecord?> EditionAsync(Database connections, string key, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        EditionRecord? record = null;
        await ReadAsync(connection, "SELECT status, sent_count, failed_count FROM digest_editions WHERE edition_key = @key",
            r => record = new EditionRecord(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2)), cancellationToken, ("@key", key));
        return record;
    }

    // ------------------------------------------------------------------ storage

    private async Task CreateDatabaseAsync(string name, string? template, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(_adminConnection);
        await admin.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}{(template is null ? "" : $" TEMPLATE {template}")}", admin);
        await create.ExecuteNonQueryAsync(cancellationToken);
        if (!_databases.Contains(name))
            _databases.Add(name);
    }

    private async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_adminConnection);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Folds the WAL into the SQLite file, so that a copy of the file alone is the whole store.</summary>
    private static async Task CheckpointAsync(string path, CancellationToken cancellationToken)
    {
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            await connection.OpenAsync(cancellationToken);
            await Sql.ExecuteAsync(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)", cancellationToken);
        }
        foreach (var suffix in new[] { "-wal", "-shm" })
            File.Delete(path + suffix);
    }

    private async Task<string> ServerVersionAsync(Database connections, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        async Task<object?> Scalar(string sql) => await Sql.ScalarAsync(connection, null, sql, cancellationToken);
        return options.Storage == StorageProvider.PostgreSql
            ? $"PostgreSQL {await Scalar("SHOW server_version")} (fsync {await Scalar("SHOW fsync")}, synchronous_commit {await Scalar("SHOW synchronous_commit")})"
            : $"SQLite {await Scalar("SELECT sqlite_version()")} (journal {await Scalar("PRAGMA journal_mode")}, synchronous {await Scalar("PRAGMA synchronous")})";
    }

    // ------------------------------------------------------------------ report

    private static string Mib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:N0} MiB");

    private static string Kib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB");

    private string Report(SetUp s, List<Phase> handler, List<Phase> mailbox, DateTimeOffset started, string loadBefore, List<string> loads, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var n = options.Bounces;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Bounces run ({started:yyyy-MM-dd HH:mm} UTC; load {loadBefore} before, {string.Join(" / ", loads)} at the start of each run, {loadAfter} after): {s.ServerVersion}; "
            + $"an edition of {n:N0} readers (20 articles, 3 sections), sent by the DeliveryWorker with a VERP return path, every message answered by one report. "
            + $"Messages {Kib(s.MessageSizes.First())} – {Kib(s.MessageSizes.Last())} (median {Kib(Stats.Median(s.MessageSizes.Select(x => (double)x)))}). "
            + $"Set-up (not timed): articles {s.Articles.TotalSeconds:0.0} s, import {s.Import.TotalSeconds:0.0} s, build and queue {s.Queue.TotalSeconds:0.0} s, send {s.Send.TotalSeconds:0.0} s.");
        text.AppendLine();
        text.AppendLine("| Report (per hundred readers) | Reports | Size, median (min – max) | Expected |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var group in s.Reports.GroupBy(r => r.Kind).OrderBy(g => g.Key))
        {
            var sizes = group.Select(r => (double)r.Bytes).ToList();
            text.AppendLine(inv, $"| {Describe(group.Key)} | {group.Count():N0} | {Kib(Stats.Median(sizes))} ({Kib(Stats.Min(sizes))} – {Kib(Stats.Max(sizes))}) | {Expected(group.Key)} |");
        }
        text.AppendLine(inv, $"| All | {s.Reports.Count:N0} | {Kib(Stats.Median(s.Reports.Select(r => (double)r.Bytes)))} ({Mib(s.Reports.Sum(r => (double)r.Bytes))} in all) | |");
        text.AppendLine();
        var runs = string.Join(" | ", Enumerable.Range(1, handler.Count).Select(i => $"Run {i}"));
        text.AppendLine(inv, $"| {n:N0} reports | {runs} | Median | Spread (max − min) / median |");
        text.AppendLine($"|---|{string.Concat(Enumerable.Repeat("---:|", handler.Count))}---:|---:|");
        void Row(string name, List<Phase> phases, Func<Phase, double> value, string format, string unit = "")
        {
            if (phases.Count == 0)
                return;
            var values = phases.Select(value).ToList();
            var median = Stats.Median(values);
            var cells = string.Join(" | ", values.Select(v => v.ToString(format, inv) + unit));
            text.AppendLine(inv, $"| {name} | {cells} | **{median.ToString(format, inv)}{unit}** | {(Stats.Max(values) - Stats.Min(values)) / median * 100:0} % |");
        }
        Row("(a) Handler alone: reports/s", handler, p => p.Rate, "N0");
        Row("(a) … parse (`MimeMessage.Load`), µs per report", handler, p => p.Parse.TotalMicroseconds / p.Messages, "N0");
        Row("(a) … `HandleAsync`, µs per report", handler, p => p.Handle.TotalMicroseconds / p.Messages, "N0");
        Row("(a) Allocated per report", handler, p => p.Sample.AllocatedBytes / (double)p.Messages / 1024, "N0", " KiB");
        Row("(a) CPU per report (process)", handler, p => p.Sample.Cpu.TotalMicroseconds / p.Messages, "N0", " µs");
        Row("(a) Peak working set", handler, p => p.Sample.PeakWorkingSetBytes / 1048576.0, "N0", " MiB");
        Row("(a) Peak GC heap", handler, p => p.Sample.PeakGcHeapBytes / 1048576.0, "N0", " MiB");
        Row("(b) Mailbox (Dovecot → BounceMailboxWorker → Traitements): reports/s", mailbox, p => p.Rate, "N0");
        Row("(b) Wall time", mailbox, p => p.Sample.Elapsed.TotalSeconds, "0.0", " s");
        Row("(b) Allocated per report", mailbox, p => p.Sample.AllocatedBytes / (double)p.Messages / 1024, "N0", " KiB");
        Row("(b) … first quarter of the folder: reports/s", mailbox, p => p.QuarterRates.FirstOrDefault(), "N0");
        Row("(b) … last quarter of the folder: reports/s", mailbox, p => p.QuarterRates.LastOrDefault(), "N0");
        Row("(b) CPU per report, gateway process", mailbox, p => p.Sample.Cpu.TotalMicroseconds / p.Messages, "N0", " µs");
        Row("(b) CPU per report, Dovecot", mailbox, p => p.DovecotCpu.TotalMicroseconds / p.Messages, "N0", " µs");
        Row("(b) Peak working set", mailbox, p => p.Sample.PeakWorkingSetBytes / 1048576.0, "N0", " MiB");
        Row("(b) Peak GC heap", mailbox, p => p.Sample.PeakGcHeapBytes / 1048576.0, "N0", " MiB");
        text.AppendLine();
        text.AppendLine(inv,
            $"Runtime: .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC.");
        return text.ToString().TrimEnd();
    }

    private static string Describe(ReturnKind kind) => kind switch
    {
        ReturnKind.PostfixUnknownUser => "Postfix (our relay), 550 5.1.1, original whole ≤ 50,000 bytes, else headers",
        ReturnKind.Microsoft365NotFound => "Exchange Online, 550 5.1.10, HTML notice, original whole",
        ReturnKind.EximNoSuchUser => "Exim, Status 5.0.0 with 550 5.1.1 in the diagnostic, original whole",
        ReturnKind.GmailOverQuota => "Gmail, 552 5.2.2 over quota, original's headers",
        ReturnKind.PostfixMailboxFullExpired => "Postfix, failed after the queue lifetime on 452 4.2.2",
        ReturnKind.Complaint => "ARF abuse complaint (Yahoo's layout), original whole",
        ReturnKind.PostfixDelayWarning => "Postfix delay warning (Action: delayed, 4.4.1), headers",
        ReturnKind.AutoReply => "Auto-reply (Sieve vacation; Exchange, with HTML)",
        _ => "Mailed unsubscribe (List-Unsubscribe mailto:)",
    };

    private static string Expected(ReturnKind kind) => ReturnedMail.OutcomeOf(kind) switch
    {
        ExpectedOutcome.Suppressed => "failed (mailbox), suppressed",
        ExpectedOutcome.SoftBounced => "failed (mailbox-full), kept",
        ExpectedOutcome.Unsubscribed => "unsubscribed, suppressed",
        _ => "untouched",
    };
}
