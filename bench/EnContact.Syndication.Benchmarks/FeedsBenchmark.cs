using System.Globalization;
using System.IO.Compression;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Benchmarks;

/// <summary>Settings of the <c>feeds</c> benchmark.</summary>
public sealed record FeedsBenchmarkOptions
{
    public int Articles { get; init; } = 10_000;
    public int Runs { get; init; } = 5;
    public int Seed { get; init; } = 20261127;
    /// <summary>Where the temporary content folder, database and mirror folders go; a new folder under the system temp folder when null.</summary>
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
}

/// <summary>
/// A full rebuild of every feed with N articles in the store, as the running gateway does
/// it (<see cref="FeedPublisher.RebuildAsync"/> resolved from the app's services), on a fresh app per
/// run (empty feed cache, empty mirror folder); then the same work split into its calls (store read,
/// rendering, hashing and compression, mirror write), a start-up build after a restart (mirror files
/// present), a rebuild after one article changed and a rebuild with nothing changed.
/// </summary>
public sealed class FeedsBenchmark(FeedsBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    private const string FirstBuild = "first-build";
    private const string StoreRead = "store-read";
    private const string Render = "render";
    private const string Documents = "documents";
    private const string HashOnly = "sha256";
    private const string GzipOnly = "gzip";
    private const string BrotliOnly = "brotli";
    private const string GzipOptimal = "gzip-optimal";
    private const string MirrorWrite = "mirror-write";
    private const string RestartBuild = "restart-build";
    private const string SaveOne = "save-one";
    private const string OneChanged = "one-changed";
    private const string NothingChanged = "nothing-changed";
    private const string OneRestored = "one-restored";
    private const string OlderChanged = "older-changed";

    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    private long _totalBytes;
    private int _published;
    private List<DateTimeOffset> _publishedDates = [];
    private DocumentStats? _stats;
    private readonly List<int> _changedCounts = [];
    private string _changedExample = "";
    private long _gzipOptimalBytes;

    /// <summary>Counts and sizes of one published snapshot.</summary>
    private sealed record DocumentStats(int Count, int Subscription, int Archive, long Identity, long Gzip, long Brotli,
        int AllAtom, int AllAtomGzip, int AllAtomBrotli, int AllAtomEntries, int ItemCount);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), $"encontact-feeds-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            output.WriteLine($"Work folder: {work}");
            var contentFolder = Path.Combine(work, "content");
            output.WriteLine($"Generating {options.Articles} articles (seed {options.Seed})…");
            var (articles, totalBytes) = new ArticleGenerator(options.Seed).WriteTo(contentFolder, options.Articles);
            _totalBytes = totalBytes;

            // The store every run reads: imported once with the real scanner, as the ingestion benchmark does.
            var database = Path.Combine(work, "data", "feeds-bench.db");
            await using var store = await BenchGateway.CreateAsync(work, contentFolder, database, cancellationToken,
                new Dictionary<string, string?> { ["Feeds:MirrorPath"] = "" });
            var (import, importSample) = await Measure.RunAsync(() => store.Scanner.ScanAsync(contentFolder, ScanMode.Full, null, cancellationToken));
            Check(import.Created == articles.Count && import.Problems == 0, $"import: {import}, expected {articles.Count} created and no problem");
            var stored = await store.Articles.ListPublishedAsync(cancellationToken);
            _published = stored.Count;
            _publishedDates = stored.Select(a => a.PublishedAt).ToList();
            Check(_published == articles.Count, $"the store holds {_published} published articles, expected {articles.Count}");
            output.WriteLine($"  imported {articles.Count} files ({totalBytes / 1048576.0:0.0} MiB) in {Time(importSample.Elapsed.TotalSeconds)}; {_published} published articles");
            if (_failures.Count > 0)
                return Fail();

            // Warm-up: one whole run (JIT, System.ServiceModel.Syndication, compressors, SQLite), checked, not recorded.
            output.WriteLine("Warm-up run…");
            await RunOnceAsync(work, contentFolder, database, -1, cancellationToken);
            if (_failures.Count > 0)
                return Fail();
            _changedCounts.Clear();
            _olderChangedCounts.Clear();

            var runs = new List<Dictionary<string, Sample>>();
            for (var run = 0; run < options.Runs; run++)
            {
                var samples = await RunOnceAsync(work, contentFolder, database, run, cancellationToken);
                if (_failures.Count > 0)
                    return Fail();
                runs.Add(samples);
                output.WriteLine($"  run {run + 1}/{options.Runs}: first build {Ms(samples[FirstBuild])} (store read {Ms(samples[StoreRead])}, "
                    + $"render {Ms(samples[Render])}, documents {Ms(samples[Documents])}, mirror {Ms(samples[MirrorWrite])}), "
                    + $"restart {Ms(samples[RestartBuild])}, one changed {Ms(samples[OneChanged])} ({_changedCounts[^1]} documents), "
                    + $"older one changed {Ms(samples[OlderChanged])} ({_olderChangedCounts[^1]} documents), nothing changed {Ms(samples[NothingChanged])}");
            }

            return Succeed(output, "every build published the same documents; all.atom/all.rss/all.json parse and hold Feeds:ItemCount items; "
                + "the archive pages hold every article once; gzip and Brotli forms decompress to the same bytes; the mirror matches; "
                + "each one-article rebuild changed only the feeds holding that article, gave byte for byte what a full build of the same store gives, "
                + "kept every other document (ETag, Last-Modified), and putting the article back gave the previous bytes; the no-change rebuild changed nothing.", Report(runs));
        }
        finally
        {
            if (!options.Keep && options.WorkFolder is null)
                Directory.Delete(work, recursive: true);
        }
    }


    /// <summary>One run: a fresh app (empty feed cache) and an empty mirror folder on the shared store. Run -1 is the warm-up.</summary>
    private async Task<Dictionary<string, Sample>> RunOnceAsync(string work, string contentFolder, string database, int run, CancellationToken cancellationToken)
    {
        var label = run < 0 ? "warm-up" : $"run {run + 1}";
        var tag = run < 0 ? "warmup" : run.ToString(CultureInfo.InvariantCulture);
        var samples = new Dictionary<string, Sample>();
        var mirror = Path.Combine(work, $"mirror-{tag}");
        var settings = new Dictionary<string, string?> { ["Feeds:MirrorPath"] = mirror };

        await using var gateway = await BenchGateway.CreateAsync(work, contentFolder, database, cancellationToken, settings, ownsDatabase: false);
        var services = gateway.Services;
        var publisher = services.GetRequiredService<FeedPublisher>();
        var store = services.GetRequiredService<ArticleStore>();
        var builder = services.GetRequiredService<FeedSetBuilder>();
        var cache = services.GetRequiredService<FeedCache>();
        var itemCount = services.GetRequiredService<IOptions<FeedsOptions>>().Value.ItemCount;
        var zone = services.GetRequiredService<MagazineTime>().Zone;
        Check(!cache.Current.IsBuilt, $"{label}: the new app's feed cache is already built");

        // 1. The first build, exactly as the gateway does it at start-up (nothing cached, nothing mirrored).
        var (first, firstSample) = await Measure.RunAsync(() => publisher.RebuildAsync(cancellationToken));
        samples[FirstBuild] = firstSample;
        Timed(FirstBuild, publisher, run);
        Check(publisher.LastRebuild is { Incremental: false }, $"{label}: the first build was not a full one");
        var stats = CheckSnapshot(label, first, mirror, itemCount, zone);
        if (_stats is not null && stats is not null && stats != _stats)
            _failures.Add($"{label}: the documents differ from the previous run's: {stats} vs {_stats}");
        _stats ??= stats;

        // 2. The same work, one call at a time, timed from outside.
        var (published, readSample) = await Measure.RunAsync(() => store.ListPublishedAsync(cancellationToken));
        samples[StoreRead] = readSample;
        Check(published.Count == _published, $"{label}: ListPublishedAsync returned {published.Count} articles, expected {_published}");

        var (rendered, renderSample) = await Measure.RunAsync(() => Task.FromResult(builder.Build(published)));
        samples[Render] = renderSample;
        Check(rendered.Count == first.Documents.Count, $"{label}: Build rendered {rendered.Count} feeds, the publisher {first.Documents.Count}");
        Check(rendered.All(f => first.Documents.TryGetValue(f.Path, out var d) && d.Identity.AsSpan().SequenceEqual(f.Bytes)),
            $"{label}: Build's bytes differ from the published documents' (rendering is not deterministic?)");

        var now = DateTimeOffset.UtcNow;
        var (documents, documentsSample) = await Measure.RunAsync(() => Task.FromResult(rendered.Select(f => FeedDocument.Create(f, null, now)).ToList()));
        samples[Documents] = documentsSample;
        Check(documents.All(d => first.Documents[d.Path].Gzip.Length == d.Gzip.Length && first.Documents[d.Path].Brotli.Length == d.Brotli.Length),
            $"{label}: FeedDocument.Create gave other compressed sizes than the publisher");

        // The three parts of FeedDocument.Create, replicated with the same settings (its constructor is private).
        var (hashes, hashSample) = await Measure.RunAsync(() => Task.FromResult(rendered.Select(f => FeedDocument.HashOf(f.Bytes)).ToList()));
        samples[HashOnly] = hashSample;
        Check(hashes.Zip(documents).All(p => p.First == p.Second.Hash), $"{label}: replicated SHA-256 differs from FeedDocument.Hash");
        var (gzip, gzipSample) = await Measure.RunAsync(() => Task.FromResult(rendered.Select(f => Compress(f.Bytes, s => new GZipStream(s, CompressionLevel.Optimal))).ToList()));
        samples[GzipOnly] = gzipSample;
        Check(gzip.Zip(documents).All(p => p.First.Length == p.Second.Gzip.Length), $"{label}: replicated gzip (Optimal) differs in size from FeedDocument.Gzip");
        var (brotli, brotliSample) = await Measure.RunAsync(() => Task.FromResult(rendered.Select(f => Compress(f.Bytes, s => new BrotliStream(s, CompressionLevel.Optimal))).ToList()));
        samples[BrotliOnly] = brotliSample;
        Check(brotli.Zip(documents).All(p => p.First.Length == p.Second.Brotli.Length), $"{label}: replicated Brotli (Optimal) differs in size from FeedDocument.Brotli");
        // For comparison only (the gateway no longer does this): gzip at CompressionLevel.SmallestSize instead of Optimal.
        var (gzipFast, gzipFastSample) = await Measure.RunAsync(() => Task.FromResult(rendered.Select(f => Compress(f.Bytes, s => new GZipStream(s, CompressionLevel.SmallestSize))).ToList()));
        samples[GzipOptimal] = gzipFastSample;
        _gzipOptimalBytes = gzipFast.Sum(g => (long)g.Length);

        var other = Path.Combine(work, $"mirror-{tag}-phase");
        Directory.CreateDirectory(other);
        var (written, mirrorSample) = await Measure.RunAsync(() => FeedMirror.WriteAsync(other, documents, cancellationToken));
        samples[MirrorWrite] = mirrorSample;
        Check(written == documents.Count, $"{label}: FeedMirror.WriteAsync wrote {written} of {documents.Count} files into an empty folder");
        Directory.Delete(other, recursive: true);

        // 3. Start-up build after a restart: a new app whose mirror folder already holds these feeds
        //    (Last-Modified comes back from the files; every document is still hashed and compressed).
        await using (var restarted = await BenchGateway.CreateAsync(work, contentFolder, database, cancellationToken, settings, ownsDatabase: false))
        {
            var (again, restartSample) = await Measure.RunAsync(() => restarted.Services.GetRequiredService<FeedPublisher>().RebuildAsync(cancellationToken));
            samples[RestartBuild] = restartSample;
            Check(again.Documents.Count == first.Documents.Count
                && again.Documents.All(p => first.Documents.TryGetValue(p.Key, out var d) && d.Hash == p.Value.Hash && d.LastModified == p.Value.LastModified),
                $"{label}: the build after a restart did not restore the same documents and Last-Modified from the mirror");
        }

        // 4. The common case: one article edited (saved through ArticleStore.SaveAsync, as ingestion does), then a rebuild,
        //    timed from the committed change to the published snapshot. The newest article is in all.*, its section's
        //    and tags' feeds; one from the middle of the store is in its month's archive page instead of all.*.
        var newest = published[0];
        var older = published[published.Count / 2];
        var afterOne = await ChangeOneAsync(label, tag, newest, first, mirror, services, samples, OneChanged, SaveOne, OneRestored, cancellationToken);
        if (afterOne is null)
            return samples;
        var holding = new HashSet<string>(StringComparer.Ordinal) { "all.rss", "all.atom", "all.json" };
        Check(holding.All(_lastChanged.Contains), $"{label}: the newest article's rebuild changed {string.Join(", ", _lastChanged)}; expected at least all.*");
        _changedCounts.Add(_lastChanged.Count);
        _changedExample = string.Join(", ", _lastChanged);
        var restoredSnapshot = cache.Current;

        // 5. A rebuild with nothing changed (e.g. the month-end wake-up): nothing rendered again, nothing new.
        var (same, sameSample) = await Measure.RunAsync(() => publisher.RebuildAsync(cancellationToken));
        samples[NothingChanged] = sameSample;
        Timed(NothingChanged, publisher, run);
        Check(same.Documents.All(p => ReferenceEquals(p.Value, restoredSnapshot.Documents[p.Key])), $"{label}: the no-change rebuild replaced some documents");

        var afterOlder = await ChangeOneAsync(label, tag, older, restoredSnapshot, mirror, services, samples, OlderChanged, null, null, cancellationToken);
        if (afterOlder is not null)
        {
            Check(_lastChanged.Any(p => p.StartsWith("archive/", StringComparison.Ordinal)), $"{label}: editing an article of {older.PublishedAt:yyyy-MM} changed no archive page: {string.Join(", ", _lastChanged)}");
            _olderChangedCounts.Add(_lastChanged.Count);
            _olderChangedExample = string.Join(", ", _lastChanged);
        }

        Directory.Delete(mirror, recursive: true);
        return samples;
    }

    private List<string> _lastChanged = [];
    private readonly Dictionary<string, List<FeedRebuildTimings>> _timings = [];

    /// <summary>Keeps the publisher's own breakdown of the rebuild just timed (not the warm-up's).</summary>
    private void Timed(string key, FeedPublisher publisher, int run)
    {
        if (run < 0 || publisher.LastRebuild is not { } timings)
            return;
        (_timings.TryGetValue(key, out var list) ? list : _timings[key] = []).Add(timings);
    }
    private readonly List<int> _olderChangedCounts = [];
    private string _olderChangedExample = "";

    /// <summary>
    /// Edits <paramref name="article"/>, saves it and times the rebuild (<paramref name="key"/>); checks the new
    /// snapshot against a full rebuild of the same store (same paths, same bytes), that unchanged documents kept
    /// their ETag and Last-Modified, and that every changed one holds the edit; then puts the article back and
    /// checks the rebuild gives <paramref name="before"/>'s bytes again. Returns the snapshot with the edit.
    /// </summary>
    private async Task<FeedCache.Snapshot?> ChangeOneAsync(string label, string tag, Article article, FeedCache.Snapshot before, string mirror,
        IServiceProvider services, Dictionary<string, Sample> samples, string key, string? saveKey, string? restoreKey, CancellationToken cancellationToken)
    {
        var publisher = services.GetRequiredService<FeedPublisher>();
        var store = services.GetRequiredService<ArticleStore>();
        var builder = services.GetRequiredService<FeedSetBuilder>();
        var marker = $"Correction {tag}-{Guid.NewGuid():N}"; // ASCII: JSON Feed escapes accents
        var edited = article with
        {
            Title = $"{article.Title} ({marker})", // the title is in every feed, even for a premium article
            ContentHtml = article.ContentHtml + $"\n<p><em>{marker}</em></p>",
            UpdatedAt = DateTimeOffset.UtcNow,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(article.ContentHash + marker))),
        };
        var (saved, saveSample) = await Measure.RunAsync(() => store.SaveAsync(edited, cancellationToken));
        if (saveKey is not null)
            samples[saveKey] = saveSample;
        Check(saved.Outcome == SaveOutcome.Updated, $"{label}: saving the edited article gave {saved.Outcome}");
        var (after, sample) = await Measure.RunAsync(() => publisher.RebuildAsync(cancellationToken));
        samples[key] = sample;
        Check(publisher.LastRebuild is { Incremental: true }, $"{label}: the rebuild after editing {article.Id} was not incremental");
        Timed(key, publisher, tag == "warmup" ? -1 : 0);

        var changed = after.Documents.Where(p => !ReferenceEquals(p.Value, before.Documents.GetValueOrDefault(p.Key))).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Check(changed.Count > 0, $"{label}: the rebuild after editing {article.Id} changed no document");
        var without = changed.Where(path => !Encoding.UTF8.GetString(after.Documents[path].Identity).Contains(marker, StringComparison.Ordinal)).ToList();
        Check(without.Count == 0, $"{label}: documents changed by the one-article rebuild do not hold the edit: {string.Join(", ", without)}");
        Check(after.Documents.Count == before.Documents.Count && after.StoreVersion == saved.Stored.Version,
            $"{label}: after the one-article rebuild: {after.Documents.Count} documents at version {after.StoreVersion}, expected {before.Documents.Count} at {saved.Stored.Version}");
        CheckSameAsFullBuild($"{label}, {article.Id} edited", after, builder.Build(await store.ListPublishedAsync(cancellationToken)));
        foreach (var path in changed)
        {
            var mirrored = await File.ReadAllBytesAsync(Path.Combine(mirror, path), cancellationToken);
            Check(mirrored.AsSpan().SequenceEqual(after.Documents[path].Identity), $"{label}: the mirror's {path} is not the rebuilt one");
        }
        _lastChanged = changed;

        // Put the article back so every run builds the same documents: the rebuild gives the bytes from before the edit.
        var (restored, _) = await store.SaveAsync(article, cancellationToken);
        Check(restored == SaveOutcome.Updated, $"{label}: restoring the edited article gave {restored}");
        var (back, backSample) = await Measure.RunAsync(() => publisher.RebuildAsync(cancellationToken));
        if (restoreKey is not null)
            samples[restoreKey] = backSample;
        Check(back.Documents.Count == before.Documents.Count && back.Documents.All(p => before.Documents.TryGetValue(p.Key, out var d) && d.Hash == p.Value.Hash),
            $"{label}: after putting {article.Id} back, the feeds differ from before the edit");
        Check(back.Documents.Where(p => !changed.Contains(p.Key)).All(p => ReferenceEquals(p.Value, before.Documents[p.Key])),
            $"{label}: after putting {article.Id} back, documents the edit never touched lost their ETag or Last-Modified");
        return _failures.Count > 0 ? null : after;
    }

    /// <summary>The served snapshot holds exactly the documents a full build of the same store renders, byte for byte.</summary>
    private void CheckSameAsFullBuild(string label, FeedCache.Snapshot snapshot, IReadOnlyList<RenderedFeed> full)
    {
        var paths = full.Select(f => f.Path).Order(StringComparer.Ordinal).ToList();
        var served = snapshot.Documents.Keys.Order(StringComparer.Ordinal).ToList();
        Check(paths.SequenceEqual(served), $"{label}: the rebuilt snapshot holds other documents than a full build: "
            + $"{string.Join(", ", served.Except(paths))} more, {string.Join(", ", paths.Except(served))} missing");
        var differ = full.Where(f => snapshot.Documents.TryGetValue(f.Path, out var d) && !d.Identity.AsSpan().SequenceEqual(f.Bytes)).Select(f => f.Path).ToList();
        Check(differ.Count == 0, $"{label}: documents differ from a full build of the same store: {string.Join(", ", differ)}");
    }

    /// <summary>Checks one published snapshot and the mirror; returns its counts and sizes.</summary>
    private DocumentStats? CheckSnapshot(string label, FeedCache.Snapshot snapshot, string mirror, int itemCount, TimeZoneInfo zone)
    {
        var documents = snapshot.Documents;
        Check(snapshot.IsBuilt && documents.Count > 0, $"{label}: the build published {documents.Count} documents");
        if (!documents.TryGetValue("all.atom", out var allAtom) || !documents.TryGetValue("all.rss", out var allRss) || !documents.TryGetValue("all.json", out var allJson))
        {
            _failures.Add($"{label}: all.atom, all.rss or all.json is missing");
            return null;
        }
        var expectedItems = Math.Min(itemCount, _published);

        int atomEntries;
        try
        {
            var atom = Xml(allAtom.Identity);
            atomEntries = atom.Root!.Elements(Atom + "entry").Count();
            Check(atom.Root.Name == Atom + "feed", $"{label}: all.atom's root is {atom.Root.Name}");
            Check(atomEntries == expectedItems, $"{label}: all.atom has {atomEntries} entries, expected Feeds:ItemCount = {expectedItems}");
            var rssItems = Xml(allRss.Identity).Root!.Element("channel")!.Elements("item").Count();
            Check(rssItems == expectedItems, $"{label}: all.rss has {rssItems} items, expected {expectedItems}");
            using var json = JsonDocument.Parse(allJson.Identity);
            var jsonItems = json.RootElement.GetProperty("items").GetArrayLength();
            Check(jsonItems == expectedItems, $"{label}: all.json has {jsonItems} items, expected {expectedItems}");
        }
        catch (Exception e) when (e is XmlException or JsonException or NullReferenceException or KeyNotFoundException)
        {
            _failures.Add($"{label}: all.atom, all.rss or all.json does not parse: {e.Message}");
            return null;
        }

        // Every complete month's archive page holds each of its articles once: the pages add up to the articles before this month.
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone);
        var firstOfMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var monthStart = new DateTimeOffset(firstOfMonth, zone.GetUtcOffset(firstOfMonth));
        var archived = documents.Where(p => p.Key.StartsWith("archive/", StringComparison.Ordinal) && p.Key.EndsWith(".atom", StringComparison.Ordinal))
            .Sum(p => Xml(p.Value.Identity).Root!.Elements(Atom + "entry").Count());
        var expectedArchived = _publishedDates.Count(d => d < monthStart);
        Check(archived == expectedArchived, $"{label}: the archive pages hold {archived} entries, expected {expectedArchived} (articles before this month)");

        foreach (var document in new[] { allAtom, documents.Values.MaxBy(d => d.Identity.Length)! })
        {
            Check(Decompress(document.Gzip, s => new GZipStream(s, CompressionMode.Decompress)).AsSpan().SequenceEqual(document.Identity), $"{label}: {document.Path}'s gzip form does not decompress to its bytes");
            Check(Decompress(document.Brotli, s => new BrotliStream(s, CompressionMode.Decompress)).AsSpan().SequenceEqual(document.Identity), $"{label}: {document.Path}'s Brotli form does not decompress to its bytes");
        }

        var files = Directory.Exists(mirror) ? Directory.EnumerateFiles(mirror, "*", SearchOption.AllDirectories).Count() : 0;
        Check(files == documents.Count, $"{label}: the mirror holds {files} files, expected {documents.Count}");
        Check(File.Exists(Path.Combine(mirror, "all.atom")) && File.ReadAllBytes(Path.Combine(mirror, "all.atom")).AsSpan().SequenceEqual(allAtom.Identity),
            $"{label}: the mirror's all.atom differs from the served one");

        var archive = documents.Keys.Count(k => k.StartsWith("archive/", StringComparison.Ordinal));
        return new DocumentStats(documents.Count, documents.Count - archive, archive,
            documents.Values.Sum(d => (long)d.Identity.Length), documents.Values.Sum(d => (long)d.Gzip.Length), documents.Values.Sum(d => (long)d.Brotli.Length),
            allAtom.Identity.Length, allAtom.Gzip.Length, allAtom.Brotli.Length, atomEntries, itemCount);
    }

    private static XDocument Xml(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return XDocument.Load(reader);
    }

    private static byte[] Compress(byte[] bytes, Func<Stream, Stream> compressor)
    {
        using var buffer = new MemoryStream();
        using (var stream = compressor(buffer))
            stream.Write(bytes);
        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] bytes, Func<Stream, Stream> decompressor)
    {
        using var input = new MemoryStream(bytes);
        using var stream = decompressor(input);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private string Report(List<Dictionary<string, Sample>> runs)
    {
        var s = _stats!;
        IEnumerable<double> All(string key) => runs.Select(r => r[key].Elapsed.TotalSeconds);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{_published:N0} generated articles ({_totalBytes / 1048576.0:0.0} MiB of Markdown), imported once with the scanner; "
            + $"{runs.Count} runs after a warm-up run, each on a new app (empty feed cache) and an empty mirror folder.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"A build publishes **{s.Count:N0} documents**: {s.Subscription} subscription feeds (site-wide, per section, per tag; RSS, Atom and JSON) "
            + $"and {s.Archive} archive pages (Atom and RSS, one per complete month). Total size {Mib(s.Identity)} identity, {Mib(s.Gzip)} gzip, {Mib(s.Brotli)} Brotli. "
            + $"`all.atom`: {s.AllAtomEntries} entries (Feeds:ItemCount = {s.ItemCount}), {s.AllAtom:N0} bytes identity, {s.AllAtomGzip:N0} gzip, {s.AllAtomBrotli:N0} Brotli.");
        text.AppendLine();
        text.AppendLine("| Goal | Target | Min | Median | Max | Met |");
        text.AppendLine("|---|---:|---:|---:|---:|---|");
        void GoalRow(string name, string key, double target)
        {
            var values = All(key).ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | < {Time(target)} | {Time(Stats.Min(values))} | {Time(Stats.Median(values))} | {Time(Stats.Max(values))} | {(Stats.Max(values) < target ? "yes" : Stats.Median(values) < target ? "median only" : "no")} |");
        }
        GoalRow("One article changed → new snapshot (newest article)", OneChanged, 0.050);
        GoalRow("One article changed → new snapshot (an article of a complete month)", OlderChanged, 0.050);
        GoalRow("First build of all feeds (new app, empty mirror)", FirstBuild, 0.500);
        text.AppendLine();
        text.AppendLine("Where the publisher's rebuilds spend their time, by its own clock (`FeedPublisher.LastRebuild`; median of the runs, in ms):");
        text.AppendLine();
        text.AppendLine("| Rebuild | Documents rendered | Read store + plan | Render | Hash + compress (+ letters read) | Mirror | Total |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (key, name) in new[] { (FirstBuild, "First build"), (OneChanged, "Newest article changed"), (OlderChanged, "Article of a complete month changed"), (NothingChanged, "Nothing changed") })
        {
            if (!_timings.TryGetValue(key, out var list))
                continue;
            string M(Func<FeedRebuildTimings, TimeSpan> phase) => string.Create(CultureInfo.InvariantCulture, $"{Stats.Median(list.Select(t => phase(t).TotalMilliseconds)):0.0}");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Stats.Median(list.Select(t => (double)t.Rendered)):0} | {M(t => t.Read)} | {M(t => t.Render)} | {M(t => t.Documents)} | {M(t => t.Mirror)} | {M(t => t.Total)} |");
        }
        text.AppendLine();
        text.AppendLine("| Phase | Median | Min | Allocated (median) | Peak working set |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        void Row(string name, string key)
        {
            var allocated = Stats.Median(runs.Select(r => (double)r[key].AllocatedBytes));
            var peak = Stats.Max(runs.Select(r => (double)r[key].PeakWorkingSetBytes));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {Time(Stats.Median(All(key)))} | {Time(Stats.Min(All(key)))} | {allocated / 1048576.0:N0} MiB | {peak / 1048576.0:N0} MiB |");
        }
        Row("**First build** (`FeedPublisher.RebuildAsync`, new app, empty mirror)", FirstBuild);
        Row("… store read (`ArticleStore.ListPublishedAsync`)", StoreRead);
        Row("… render (`FeedSetBuilder.Build`)", Render);
        Row("… hash + gzip + Brotli (`FeedDocument.Create` per document)", Documents);
        Row("  … of which SHA-256 alone (replica)", HashOnly);
        Row("  … of which gzip `Optimal` alone (replica)", GzipOnly);
        Row("  … of which Brotli `Optimal` alone (replica)", BrotliOnly);
        Row("… mirror write (`FeedMirror.WriteAsync`, empty folder)", MirrorWrite);
        Row($"For comparison, not used: gzip `SmallestSize` instead of `Optimal` ({_gzipOptimalBytes / 1048576.0:0.00} MiB instead of {s.Gzip / 1048576.0:0.00} MiB)", GzipOptimal);
        Row("Start-up build after a restart (mirror files present)", RestartBuild);
        Row("Save one edited article (`ArticleStore.SaveAsync`)", SaveOne);
        Row($"**Rebuild after one article changed** (the newest; {Stats.Median(_changedCounts.Select(c => (double)c)):0} documents changed)", OneChanged);
        Row("Rebuild after putting it back", OneRestored);
        Row($"**Rebuild after one article changed** (one of a complete month; {Stats.Median(_olderChangedCounts.Select(c => (double)c)):0} documents changed)", OlderChanged);
        Row("Rebuild, nothing changed", NothingChanged);
        text.AppendLine();
        text.AppendLine("| Ratio (per run, same run) | Median | Min – max |");
        text.AppendLine("|---|---:|---:|");
        void RatioRow(string name, Func<Dictionary<string, Sample>, double> ratio)
        {
            var list = runs.Select(ratio).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Stats.Median(list):0.00} | {Stats.Min(list):0.00} – {Stats.Max(list):0.00} |");
        }
        double Sec(Dictionary<string, Sample> r, string key) => r[key].Elapsed.TotalSeconds;
        RatioRow("(store read + render + documents + mirror) / first build", r => (Sec(r, StoreRead) + Sec(r, Render) + Sec(r, Documents) + Sec(r, MirrorWrite)) / Sec(r, FirstBuild));
        RatioRow("render / first build", r => Sec(r, Render) / Sec(r, FirstBuild));
        RatioRow("documents (hash + compression) / first build", r => Sec(r, Documents) / Sec(r, FirstBuild));
        RatioRow("gzip replica / documents", r => Sec(r, GzipOnly) / Sec(r, Documents));
        RatioRow("Brotli replica / documents", r => Sec(r, BrotliOnly) / Sec(r, Documents));
        RatioRow("restart build / first build", r => Sec(r, RestartBuild) / Sec(r, FirstBuild));
        RatioRow("one changed / first build", r => Sec(r, OneChanged) / Sec(r, FirstBuild));
        RatioRow("one changed / (store read + render)", r => Sec(r, OneChanged) / (Sec(r, StoreRead) + Sec(r, Render)));
        RatioRow("nothing changed / (store read + render)", r => Sec(r, NothingChanged) / (Sec(r, StoreRead) + Sec(r, Render)));
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Documents changed by the one-article rebuild (last run): {_changedExample}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Documents changed by the rebuild after editing an article of a complete month (last run): {_olderChangedExample}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Runtime: .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, "
            + $"{Environment.ProcessorCount} logical CPUs, {(GCSettings.IsServerGC ? "server" : "workstation")} GC"
            + $"{(GCSettings.LatencyMode == GCLatencyMode.Interactive ? " (concurrent)" : "")}.");
        return text.ToString();
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB");

    private static string Ms(Sample sample) => Time(sample.Elapsed.TotalSeconds);

    private static string Time(double seconds) =>
        seconds >= 10 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s")
        : seconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0} ms");
}
