using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EnContact.Syndication.Benchmarks;

public sealed record StartupBenchmarkOptions
{
    public int Runs { get; init; } = 5;
    /// <summary>0: the repository's sample articles (content/); otherwise that many generated articles.</summary>
    public int Articles { get; init; }
    public int Seed { get; init; } = new IngestionBenchmarkOptions().Seed;
    /// <summary>A published gateway to start instead of publishing one.</summary>
    public string? Published { get; init; }
    /// <summary>Passed to <c>dotnet publish --artifacts-path</c>.</summary>
    public string? ArtifactsPath { get; init; }
    public string? WorkFolder { get; init; }
    public bool Keep { get; init; }
}

/// <summary>
/// From process start to the first 200 on <c>/feeds/all.atom</c>, for the published gateway (<c>serve</c>,
/// embedded SQLite, Production settings) in a folder of its own: cold (empty folder), with only the
/// compiled-template cache of an earlier start, and warm (the same folder started again: database and cache).
/// The split comes from the gateway's own log (its timestamps against the start instant).
/// </summary>
public sealed partial class StartupBenchmark(StartupBenchmarkOptions options, TextWriter output) : CheckedBenchmark
{
    private const string Cold = "cold: empty folder";
    private const string CacheOnly = "new database, template cache present";
    private const string Warm = "warm: restart (database and cache)";
    private static readonly string[] Cases = [Cold, CacheOnly, Warm];

    private sealed record Start(string Case, int Run, double ToFeed, double? ToFirstLog, double? ToTemplates, double? TemplatesMs, double? ToListening, double? ToFirstFeedBuild, string? TemplateOrigin);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var work = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "encontact-bench-startup-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var repository = RepositoryRoot() ?? throw new InvalidOperationException("run from the repository (EnContact.Syndication.sln not found upwards)");
            var published = options.Published ?? await PublishAsync(repository, Path.Combine(work, "publish"), cancellationToken);
            var content = Path.Combine(work, "content-source");
            var articles = PrepareContent(repository, content);
            output.WriteLine($"Gateway: {published}; content: {articles}; load average {LoadAverage()}; {options.Runs} runs");

            var starts = new List<Start>();
            for (var run = 0; run < options.Runs; run++)
            {
                var folder = Path.Combine(work, $"run-{run + 1}");
                CopyFolder(content, Path.Combine(folder, "content"));
                starts.Add(await StartAsync(published, folder, Cold, run, cancellationToken));
                var second = Path.Combine(work, $"run-{run + 1}-cache");
                CopyFolder(content, Path.Combine(second, "content"));
                CopyFolder(Path.Combine(folder, "data", "template-cache"), Path.Combine(second, "data", "template-cache"));
                starts.Add(await StartAsync(published, second, CacheOnly, run, cancellationToken));
                starts.Add(await StartAsync(published, folder, Warm, run, cancellationToken));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run + 1}: {string.Join("; ", starts.Where(s => s.Run == run).Select(s => $"{s.Case} {s.ToFeed:0} ms (templates {s.TemplateOrigin} {s.TemplatesMs:0} ms)"))}"));
            }

            // A gateway from before the template cache (a baseline) logs no origin; it is not checked.
            foreach (var start in starts.Where(_ => starts.All(s => s.TemplateOrigin != "compiled (no cache)")))
            {
                Check(start.TemplateOrigin == (start.Case == Cold ? "compiled" : "loaded from the cache"),
                    $"run {start.Run + 1}, {start.Case}: templates {start.TemplateOrigin ?? "(no log line)"}");
            }
            if (_failures.Count > 0)
                return Fail();
            return Succeed(output, "every start answered 200 with an Atom feed; cold starts compiled the templates, the others loaded them from the cache",
                Markdown(starts, published, articles));
        }
        finally
        {
            if (!options.Keep)
                Directory.Delete(work, recursive: true);
            else
                output.WriteLine($"Kept {work}");
        }
    }

    private async Task<string> PublishAsync(string repository, string target, CancellationToken cancellationToken)
    {
        var publish = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(repository, "src", "EnContact.Syndication"), "-c", "Release", "-o", target, "--nologo", "-v", "quiet" },
            UseShellExecute = false,
        };
        if (options.ArtifactsPath is { } artifacts)
        {
            publish.ArgumentList.Add("--artifacts-path");
            publish.ArgumentList.Add(artifacts);
        }
        output.WriteLine($"dotnet {string.Join(' ', publish.ArgumentList)}");
        using var process = Process.Start(publish)!;
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish failed with exit code {process.ExitCode}");
        return target;
    }

    private string PrepareContent(string repository, string folder)
    {
        if (options.Articles == 0)
        {
            CopyFolder(Path.Combine(repository, "content"), folder);
            return $"the repository's sample content ({Directory.EnumerateFiles(folder, "*.md", SearchOption.AllDirectories).Count()} files)";
        }
        var (written, bytes) = new ArticleGenerator(options.Seed).WriteTo(folder, options.Articles);
        return string.Create(CultureInfo.InvariantCulture, $"{written.Count:N0} generated articles ({bytes / 1048576.0:0.0} MiB)");
    }

    private async Task<Start> StartAsync(string published, string folder, string @case, int run, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var log = Path.Combine(folder, $"serve-{Array.IndexOf(Cases, @case) + 1}.log");
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"exec dotnet '{Path.Combine(published, "EnContact.Syndication.dll")}' serve --urls http://127.0.0.1:{port} > '{log}' 2>&1" },
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in Settings(published))
            start.Environment["ENCONTACT__" + name.Replace(":", "__", StringComparison.Ordinal)] = value;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        double toFeed;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                    throw new InvalidOperationException($"the gateway exited ({process.ExitCode}) before serving the feed; see {log}:{Environment.NewLine}{await File.ReadAllTextAsync(log, cancellationToken)}");
                if (clock.Elapsed > TimeSpan.FromSeconds(120))
                    throw new TimeoutException($"no feed after 120 s; see {log}");
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/feeds/all.atom", cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        toFeed = clock.Elapsed.TotalMilliseconds;
                        var feed = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                        Check(feed.Root?.Name.LocalName == "feed", $"run {run + 1}, {@case}: /feeds/all.atom is not an Atom feed");
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Not listening yet, or (a loaded machine) not answering yet.
                }
                await Task.Delay(10, cancellationToken);
            }
        }
        finally
        {
            await StopAsync(process);
        }
        return Split(@case, run, toFeed, startedAt, await File.ReadAllLinesAsync(log, cancellationToken));
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
            return;
        // SIGTERM: the gateway stops as in production (the database closed cleanly for the warm start).
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await process.WaitForExitAsync(bound.Token); }
        catch (OperationCanceledException) { process.Kill(); }
    }

    /// <summary>The phases the log shows, in ms after the start instant.</summary>
    private static Start Split(string @case, int run, double toFeed, DateTime startedAt, string[] lines)
    {
        double? At(int index) => index >= 0 && index < lines.Length && Stamp().Match(lines[index]) is { Success: true } m
            ? (DateTime.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) - startedAt).TotalMilliseconds
            : null;
        int Find(string text) => Array.FindIndex(lines, line => line.Contains(text, StringComparison.Ordinal));

        var firstLog = Array.FindIndex(lines, line => Stamp().IsMatch(line));
        var templates = Find("TemplateWarmup");
        var templatesLine = templates >= 0 && templates + 1 < lines.Length ? lines[templates + 1] : "";
        var templatesMatch = TemplatesReady().Match(templatesLine);
        // The console log writes its header (time, level, category) on one line and the message on the next.
        var listening = Find("Now listening on") - 1;
        var feeds = Find("Feeds.FeedPublisher");
        return new Start(@case, run, toFeed, At(firstLog), At(templates),
            templatesMatch.Success ? double.Parse(templatesMatch.Groups[2].Value, CultureInfo.InvariantCulture) : null,
            At(listening), At(feeds), templatesMatch.Success ? templatesMatch.Groups[1].Value : null);
    }

    [GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) ")]
    private static partial Regex Stamp();

    /// <summary>"ready (35 templates, loaded from the cache) in 40 ms"; a gateway without the template cache says "compiled in 3200 ms".</summary>
    [GeneratedRegex(@"(?:\d+ templates, ([^)]+)\)|compiled) in (\d+) ms")]
    private static partial Regex TemplatesReady();

    private static Dictionary<string, string?> Settings(string published) => new()
    {
        ["Templates:Path"] = Path.Combine(published, "templates"),
        ["Admin:ApiToken"] = BenchGateway.AdminToken,
        ["Subscribers:TokenSecret"] = BenchGateway.LinkSecret,
        ["Members:FeedTokenSecret"] = BenchGateway.MemberFeedSecret,
        ["PersonalData:HashKey"] = BenchGateway.LinkSecret,
        ["Subscribers:PublicUrl"] = BenchGateway.PublicUrl,
        ["Feeds:PublicUrl"] = "https://flux.en-contact.com/",
    };

    private string Markdown(List<Start> starts, string published, string articles)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Published gateway ({published}), {articles}, {options.Runs} runs; load average at the end {LoadAverage()}.");
        text.AppendLine();
        text.AppendLine("| Start | to 200 on /feeds/all.atom: median | min | max | first log line (median) | templates ready (median) | templates' own ms (median) | Kestrel listening (median) | first feed build logged (median) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var @case in Cases)
        {
            var of = starts.Where(s => s.Case == @case).ToList();
            string Median(Func<Start, double?> value) => of.Select(value).OfType<double>().ToList() is { Count: > 0 } v ? Ms(Stats.Median(v)) : "–";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {@case} | {Ms(Stats.Median(of.Select(s => s.ToFeed)))} | {Ms(Stats.Min(of.Select(s => s.ToFeed)))} | {Ms(Stats.Max(of.Select(s => s.ToFeed)))} | {Median(s => s.ToFirstLog)} | {Median(s => s.ToTemplates)} | {Median(s => s.TemplatesMs)} | {Median(s => s.ToListening)} | {Median(s => s.ToFirstFeedBuild)} |");
        }
        text.AppendLine();
        text.AppendLine("| Ratio (per run, same run) | Median | Min – max |");
        text.AppendLine("|---|---:|---:|");
        foreach (var (name, numerator, denominator) in new[] { ("cache only / cold", CacheOnly, Cold), ("warm / cold", Warm, Cold) })
        {
            var ratios = Enumerable.Range(0, options.Runs)
                .Select(run => starts.Single(s => s.Run == run && s.Case == numerator).ToFeed / starts.Single(s => s.Run == run && s.Case == denominator).ToFeed)
                .ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Stats.Median(ratios):0.00}× | {Stats.Min(ratios):0.00} – {Stats.Max(ratios):0.00} |");
        }
        return text.ToString();
    }

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static string? RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "EnContact.Syndication.sln")))
                    return folder.FullName;
        return null;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
            return;
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
