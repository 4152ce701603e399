using System.Diagnostics;
using System.Globalization;
using System.Text;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// What one hostile content file costs the ingestion pipeline (front-matter parsing and normalising,
/// as a scan does for each file), next to a typical generated article in the same run. Each input
/// is one the review found to cost minutes or to crash the process.
/// </summary>
public sealed class HostileInputBenchmark(TextWriter output) : CheckedBenchmark
{
    public sealed record Options(int Runs = 5);

    private const string Head = "---\ntitle: \"T\"\npublished: 2026-11-20T09:00\n";

    public static IReadOnlyList<(string Name, string Text)> Inputs() =>
    [
        ("typical article (generated, 3 KB)", Encoding.UTF8.GetString(new ArticleGenerator().Generate(1).Single().Bytes)),
        ("title: 4 MB of \"<!--\"", $"---\ntitle: \"{string.Concat(Enumerable.Repeat("<!--", 1_000_000))}\"\npublished: 2026-11-20T09:00\n---\nx\n"),
        ("title: 1,200 characters of \"<!--\"", $"---\ntitle: \"{string.Concat(Enumerable.Repeat("<!--", 300))}\"\npublished: 2026-11-20T09:00\n---\nx\n"),
        ("body: 100,000 nested <div>", Head + "---\n" + string.Concat(Enumerable.Repeat("<div>", 100_000)) + "x" + string.Concat(Enumerable.Repeat("</div>", 100_000)) + "\n"),
        ("body: 250 nested <div> (under the limit)", Head + "---\n" + string.Concat(Enumerable.Repeat("<div>", 250)) + "x" + string.Concat(Enumerable.Repeat("</div>", 250)) + "\n"),
        ("body: \">\" × 50,000 (Markdown)", Head + "---\n" + new string('>', 50_000) + "\n"),
        ("front matter: 30,000 nested \"[\"", Head + $"tags: {new string('[', 30_000)}{new string(']', 30_000)}\n---\nx\n"),
        ("front matter: \"- \" × 20,000", Head + "tags:\n" + string.Concat(Enumerable.Repeat("- ", 20_000)) + "x\n---\nx\n"),
    ];

    public Task<int> RunAsync(int runs, CancellationToken cancellationToken)
    {
        var site = Microsoft.Extensions.Options.Options.Create(new SiteOptions());
        var normalizer = new ArticleNormalizer(site, new MagazineTime(site), TimeProvider.System);
        var rows = new List<(string Name, int Bytes, double Ms, string Outcome)>();
        foreach (var (name, text) in Inputs())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = Encoding.UTF8.GetBytes(text);
            string outcome = "";
            var times = new List<double>();
            for (var run = 0; run <= runs; run++)
            {
                var clock = Stopwatch.StartNew();
                var parsed = FrontMatterParser.Parse(bytes);
                var result = parsed.Draft is null ? null : normalizer.Normalize(parsed.Draft, "ec-bench", "file:bench.md");
                clock.Stop();
                if (run > 0)
                    times.Add(clock.Elapsed.TotalMilliseconds); // the first run warms the JIT up
                outcome = parsed.Problem ?? (result!.IsValid ? "published" : string.Join("; ", result.Errors.Select(e => $"{e.Field}: {e.Message}")));
            }
            rows.Add((name, bytes.Length, Stats.Median(times), outcome));
        }

        var typical = rows[0].Ms;
        Check(rows.Skip(1).All(r => r.Ms < 2_000), "every hostile input costs less than 2 s");
        Check(rows.Where(r => r.Name.Contains("100,000") || r.Name.Contains("50,000") || r.Name.Contains("30,000") || r.Name.Contains("20,000") || r.Name.Contains("4 MB"))
            .All(r => r.Outcome != "published"), "the pathological inputs are refused");
        if (_failures.Count > 0)
            return Task.FromResult(Fail());

        var markdown = new StringBuilder();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"Median of {runs} runs after one warm-up, one thread; load average {LoadAverage()}.");
        markdown.AppendLine();
        markdown.AppendLine("| input | bytes | parse + normalise | × typical article | outcome |");
        markdown.AppendLine("|---|---:|---:|---:|---|");
        foreach (var (name, bytes, ms, outcome) in rows)
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {bytes:N0} | {ms:0.00} ms | {ms / typical:0.0} | {Shorten(outcome)} |");
        return Task.FromResult(Succeed(output, "every hostile input is refused or cleaned in under 2 s", markdown.ToString()));
    }

    private static string Shorten(string text) => text.Length <= 90 ? text : text[..90] + "…";
}
