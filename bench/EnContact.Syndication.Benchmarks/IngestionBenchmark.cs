using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using EnContact.Syndication.Ingestion;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>ingestion</c> benchmark.</summary>
public sealed record IngestionBenchmarkOptions
{
    public int Articles { get; init; } = 10_000;
    public int Runs { get; init; } = 5;
    public int WarmupArticles { get; init; } = 1_000;
    public int Seed { get; init; } = 20261127;
    /// <summary>Where the temporary content folder and databases go; a new folder under the system temp folder when null.</summary>
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
}

/// <summary>
/// Import of N generated articles into an empty store, a rescan of the N unchanged files,
/// and a rescan after 1 % of them changed, against what reading (and hashing) the files costs
/// alone, measured in the same run so the ratios hold on a noisy machine.
/// </summary>
public sealed class IngestionBenchmark(IngestionBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    private const string Enumerate = "enumerate";
    private const string Read = "read";
    private const string ReadHash = "read+hash";
    private const string ReadHashParallel = "read+hash-parallel";
    private const string LoadKnown = "load-known";
    private const string Import = "import";
    private const string ParseNormalize = "parse+normalize";
    private const string StoreWrites = "store-writes";
    private const string Rescan = "rescan";
    private const string RescanChanged = "rescan-1pct";

    private int _fileCount;
    private long _totalBytes;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            output.WriteLine($"Work folder: {work}");
            var generator = new ArticleGenerator(options.Seed);

            // Warm-up: the whole cycle once on a small folder so JIT, YamlDotNet, Markdig, AngleSharp and SQLite are loaded.
            var warmupFolder = Path.Combine(work, "warmup");
            var (warmupArticles, _) = generator.WriteTo(warmupFolder, options.WarmupArticles);
            output.WriteLine($"Warm-up with {warmupArticles.Count} articles…");
            await RunOnceAsync(work, warmupFolder, warmupArticles, -1, cancellationToken);
            if (_failures.Count > 0)
                return Fail();

            var contentFolder = Path.Combine(work, "content");
            output.WriteLine($"Generating {options.Articles} articles (seed {options.Seed})…");
            var (articles, totalBytes) = generator.WriteTo(contentFolder, options.Articles);
            _fileCount = articles.Count;
            _totalBytes = totalBytes;
            output.WriteLine($"  {articles.Count} files, {totalBytes / 1048576.0:0.0} MiB, {totalBytes / 1024.0 / articles.Count:0.0} KiB on average, "
                + $"{articles.Select(a => a.RelativePath.Split('/')[0]).Distinct().Count()} year folders");

            var runs = new List<Dictionary<string, Sample>>();
            for (var run = 0; run < options.Runs; run++)
            {
                var samples = await RunOnceAsync(work, contentFolder, articles, run, cancellationToken);
                if (_failures.Count > 0)
                    return Fail();
                runs.Add(samples);
                output.WriteLine($"  run {run + 1}/{options.Runs}: import {Ms(samples[Import])}, rescan {Ms(samples[Rescan])}, "
                    + $"rescan 1% {Ms(samples[RescanChanged])}, read {Ms(samples[Read])}, read+hash {Ms(samples[ReadHash])}, "
                    + $"parallel read+hash {Ms(samples[ReadHashParallel])}, load known {Ms(samples[LoadKnown])}, "
                    + $"CPU half {Ms(samples[ParseNormalize])}, SQLite half {Ms(samples[StoreWrites])}; "
                    + $"process CPU time: import {samples[Import].Cpu.TotalSeconds:0.00} s, CPU half {samples[ParseNormalize].Cpu.TotalSeconds:0.00} s, SQLite half {samples[StoreWrites].Cpu.TotalSeconds:0.00} s; load {LoadAverage()}");
            }

            return Succeed(output, "import created every article with no problem, the unchanged rescan wrote nothing, the 1 % rescan updated exactly the edited files.", Report(runs));
        }
        finally
        {
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(work, recursive: true);
        }
    }


    /// <summary>One run on a fresh empty database. Run -1 is the warm-up (checked, not recorded).</summary>
    private async Task<Dictionary<string, Sample>> RunOnceAsync(
        string work, string folder, IReadOnlyList<GeneratedArticle> articles, int run, CancellationToken cancellationToken)
    {
        var n = articles.Count;
        var label = run < 0 ? "warm-up" : $"run {run + 1}";
        var samples = new Dictionary<string, Sample>();
        var database = Path.Combine(work, "data", $"bench-{(run < 0 ? "warmup" : run.ToString(CultureInfo.InvariantCulture))}.db");
        await using var gateway = await BenchGateway.CreateAsync(work, folder, database, cancellationToken);
        var scanner = gateway.Scanner;

        // 1. Import into the empty store.
        var (import, importSample) = await Measure.RunAsync(() => scanner.ScanAsync(folder, ScanMode.Full, null, cancellationToken));
        samples[Import] = importSample;
        var afterImport = await gateway.StateAsync(cancellationToken);
        Check(import.Files == n, $"{label}: import saw {import.Files} files, expected {n}");
        Check(import.Created == n, $"{label}: import created {import.Created} articles, expected {n} ({import})");
        Check(import.Problems == 0, $"{label}: import reported {import.Problems} problems ({import})");
        Check(afterImport.LiveArticles == n && afterImport.SourceFiles == n && afterImport.Problems == 0,
            $"{label}: after import the store holds {afterImport}, expected {n} live articles, {n} source files, no problems");

        // 2. The cost floor, measured right before the rescan: list, read, hash, load the known hashes.
        samples[Enumerate] = (await Measure.RunAsync(() => Task.FromResult(Baselines.Enumerate(folder).Count))).Sample;
        samples[Read] = (await Measure.RunAsync(() => Task.FromResult(Baselines.Read(folder)))).Sample;
        samples[ReadHash] = (await Measure.RunAsync(() => Task.FromResult(Baselines.ReadAndHash(folder)))).Sample;
        var (known, loadSample) = await Measure.RunAsync(() => Baselines.LoadKnownAsync(gateway.Connections, gateway.Sources, cancellationToken));
        samples[LoadKnown] = loadSample;
        var (same, parallelSample) = await Measure.RunAsync(() => Baselines.ReadAndHashParallelAsync(folder, known, cancellationToken));
        samples[ReadHashParallel] = parallelSample;
        Check(same == n, $"{label}: {same} of {n} file hashes match the store's right after the import");

        // 3. Rescan of the unchanged files: must write nothing.
        await using (var watcher = await gateway.WatchWritesAsync(cancellationToken))
        {
            var (rescan, rescanSample) = await Measure.RunAsync(() => scanner.ScanAsync(folder, ScanMode.Full, null, cancellationToken));
            samples[Rescan] = rescanSample;
            Check(rescan.Unchanged == n && rescan.Files == n, $"{label}: rescan found {rescan.Unchanged} of {n} files unchanged ({rescan})");
            Check(rescan.Created + rescan.Updated + rescan.Renamed + rescan.Deleted + rescan.Problems == 0, $"{label}: rescan changed something ({rescan})");
            Check(!await watcher.SawWritesAsync(cancellationToken), $"{label}: the unchanged rescan committed a write to the database");
            var afterRescan = await gateway.StateAsync(cancellationToken);
            Check(afterRescan == afterImport, $"{label}: the store changed during the unchanged rescan: {afterImport} → {afterRescan}");
        }

        // 4. Rescan after editing 1 % of the files (evenly spread), then put them back for the next run.
        var edited = Math.Max(1, n / 100);
        var indices = Enumerable.Range(0, edited).Select(j => (int)((long)j * n / edited)).ToArray();
        foreach (var i in indices)
            await File.WriteAllBytesAsync(Path.Combine(folder, articles[i].RelativePath), ArticleGenerator.Edited(articles[i].Bytes, run < 0 ? 0 : run), cancellationToken);
        try
        {
            var (changed, changedSample) = await Measure.RunAsync(() => scanner.ScanAsync(folder, ScanMode.Full, null, cancellationToken));
            samples[RescanChanged] = changedSample;
            Check(changed.Updated == edited, $"{label}: the 1 % rescan updated {changed.Updated} articles, expected {edited} ({changed})");
            Check(changed.Unchanged == n - edited && changed.Created + changed.Renamed + changed.Deleted + changed.Problems == 0,
                $"{label}: the 1 % rescan did something else than {edited} updates ({changed})");
            var afterChange = await gateway.StateAsync(cancellationToken);
            Check(afterChange.ChangeCounter == afterImport.ChangeCounter + edited, $"{label}: the change counter moved from {afterImport.ChangeCounter} to {afterChange.ChangeCounter}, expected +{edited}");
        }
        finally
        {
            foreach (var i in indices)
                await File.WriteAllBytesAsync(Path.Combine(folder, articles[i].RelativePath), articles[i].Bytes, CancellationToken.None);
        }

        // 5. The two halves of an import on their own: parse + normalise every file (no store), then
        //    write those articles into another empty database with the scanner's statements (no files).
        var (prepared, parseSample) = await Measure.RunAsync(() => Baselines.ParseAndNormalizeParallelAsync(folder, gateway.Normalizer, cancellationToken));
        samples[ParseNormalize] = parseSample;
        Check(prepared.All(p => p is not null), $"{label}: {prepared.Count(p => p is not null)} of {n} files parse and normalise without error");
        var writesDatabase = Path.Combine(work, "data", $"bench-{(run < 0 ? "warmup" : run.ToString(CultureInfo.InvariantCulture))}-writes.db");
        await using (var writes = await BenchGateway.CreateAsync(work, folder, writesDatabase, cancellationToken))
        {
            var items = prepared.OfType<Baselines.Prepared>().ToList();
            var (created, writeSample) = await Measure.RunAsync(() => Baselines.WriteAllAsync(writes.Articles, writes.Sources, writes.Connections, items, cancellationToken));
            samples[StoreWrites] = writeSample;
            var state = await writes.StateAsync(cancellationToken);
            Check(created == n && state.LiveArticles == n && state.SourceFiles == n,
                $"{label}: the store-only write created {created} articles, store {state}, expected {n}");
        }
        return samples;
    }

    private string Report(List<Dictionary<string, Sample>> runs)
    {
        double Seconds(Dictionary<string, Sample> r, string key) => r[key].Elapsed.TotalSeconds;
        IEnumerable<double> All(string key) => runs.Select(r => Seconds(r, key));
        IEnumerable<double> Ratio(string a, string b) => runs.Select(r => Seconds(r, a) / Seconds(r, b));
        IEnumerable<double> RatioSum(string a, params string[] parts) => runs.Select(r => Seconds(r, a) / parts.Sum(p => Seconds(r, p)));

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{_fileCount:N0} generated articles ({_totalBytes / 1048576.0:0.0} MiB, {_totalBytes / 1024.0 / _fileCount:0.0} KiB average), "
            + $"{runs.Count} runs after a warm-up, each on a new empty database; the files are in the page cache (warm reads).");
        text.AppendLine();
        // The process's CPU time (all threads) says what a phase costs even when other work shares the cores.
        text.AppendLine("| Phase | Median | Min | Max | Files/s (median) | CPU time (median) | Allocated (median) | Peak working set |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        void Row(string name, string key)
        {
            var median = Stats.Median(All(key));
            var allocated = Stats.Median(runs.Select(r => (double)r[key].AllocatedBytes));
            var peak = Stats.Max(runs.Select(r => (double)r[key].PeakWorkingSetBytes));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {Time(median)} | {Time(Stats.Min(All(key)))} | {Time(Stats.Max(All(key)))} | {_fileCount / median:N0} | {Time(Stats.Median(runs.Select(r => r[key].Cpu.TotalSeconds)))} | {allocated / 1048576.0:N0} MiB | {peak / 1048576.0:N0} MiB |");
        }
        Row("**Import** into an empty store", Import);
        Row("**Rescan**, nothing changed", Rescan);
        Row("Rescan, 1 % of files changed", RescanChanged);
        Row("Read the files (`File.ReadAllBytes`, 1 thread)", Read);
        Row("Read + SHA-256 (1 thread)", ReadHash);
        Row("Read + SHA-256 + compare (parallel, as the scanner)", ReadHashParallel);
        Row("List the folder (scanner's enumeration)", Enumerate);
        Row("Load known hashes from SQLite", LoadKnown);
        Row("Import's CPU half: read + parse + normalise, no store (parallel)", ParseNormalize);
        Row("Import's SQLite half: the scanner's writes, no files (1 thread)", StoreWrites);
        text.AppendLine();
        text.AppendLine("| Ratio (per run, same run) | Median | Min – max |");
        text.AppendLine("|---|---:|---:|");
        void RatioRow(string name, IEnumerable<double> values)
        {
            var list = values.ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Stats.Median(list):0.00}× | {Stats.Min(list):0.00} – {Stats.Max(list):0.00} |");
        }
        RatioRow("rescan / read", Ratio(Rescan, Read));
        RatioRow("rescan / (read + hash)", Ratio(Rescan, ReadHash));
        RatioRow("rescan / parallel read + hash", Ratio(Rescan, ReadHashParallel));
        RatioRow("rescan / (parallel read + hash + load known)", RatioSum(Rescan, ReadHashParallel, LoadKnown));
        RatioRow("rescan 1 % / rescan", Ratio(RescanChanged, Rescan));
        RatioRow("import / read", Ratio(Import, Read));
        RatioRow("CPU half / import", Ratio(ParseNormalize, Import));
        RatioRow("SQLite half / import", Ratio(StoreWrites, Import));
        RatioRow("(CPU half + SQLite half) / import", runs.Select(r => (Seconds(r, ParseNormalize) + Seconds(r, StoreWrites)) / Seconds(r, Import)));
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Runtime: .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, "
            + $"{Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"
            + $"{(GCSettings.LatencyMode == GCLatencyMode.Interactive ? " (concurrent)" : "")}.");
        return text.ToString();
    }

    private static string Ms(Sample sample) => Time(sample.Elapsed.TotalSeconds);

    private static string Time(double seconds) =>
        seconds >= 10 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s")
        : seconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0} ms");
}
