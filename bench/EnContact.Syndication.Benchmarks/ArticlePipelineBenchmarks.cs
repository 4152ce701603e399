using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ganss.Xss;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// Micro-benchmark (BenchmarkDotNet, in-process) of what one new or changed file costs before the
/// store sees it, step by step, on a typical generated article (~3 KB). Run with <c>-- micro</c>.
/// </summary>
[MemoryDiagnoser]
public class ArticlePipelineBenchmarks
{
    private byte[] _bytes = [];
    private string _markdown = "";
    private string _html = "";
    private string _cleanHtml = "";
    private ArticleDraft _draft = null!;
    private ArticleNormalizer _normalizer = null!;
    private HtmlSanitizer _sharedSanitizer = null!;
    private readonly Uri _base = new("https://www.en-contact.com/");

    [GlobalSetup]
    public void Setup()
    {
        var articles = new ArticleGenerator().Generate(50).ToList();
        _bytes = articles.OrderBy(a => a.Bytes.Length).ElementAt(articles.Count / 2).Bytes; // the median size
        _draft = FrontMatterParser.Parse(_bytes).Draft!;
        _markdown = _draft.BodyMarkdown!;
        _html = HtmlCleaner.RenderMarkdown(_markdown);
        _cleanHtml = HtmlCleaner.Sanitize(_html, _base, out _);
        var site = Options.Create(new SiteOptions());
        _normalizer = new ArticleNormalizer(site, new MagazineTime(site), TimeProvider.System);
        _sharedSanitizer = new HtmlSanitizer();
        _sharedSanitizer.AllowedSchemes.Add("mailto"); // configured as HtmlCleaner.Sanitize configures its own
        _sharedSanitizer.AllowedAttributes.Add("class");
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "optgroup", "textarea", "label", "fieldset", "legend", "datalist", "output" })
            _sharedSanitizer.AllowedTags.Remove(tag);
    }

    [Benchmark(Description = "SHA-256 + hex (unchanged-file cost)")]
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(_bytes));

    [Benchmark(Description = "FrontMatterParser.Parse")]
    public ParsedFile Parse() => FrontMatterParser.Parse(_bytes);

    [Benchmark(Description = "HtmlCleaner.RenderMarkdown")]
    public string Render() => HtmlCleaner.RenderMarkdown(_markdown);

    [Benchmark(Description = "HtmlCleaner.Sanitize")]
    public string Sanitize() => HtmlCleaner.Sanitize(_html, _base, out _);

    [Benchmark(Description = "new HtmlSanitizer() alone (Sanitize makes one per call)")]
    public HtmlSanitizer NewSanitizer() => new();

    [Benchmark(Description = "one reused HtmlSanitizer .Sanitize (comparison)")]
    public string SanitizeReused() => _sharedSanitizer.Sanitize(_html, _base.AbsoluteUri);

    [Benchmark(Description = "HtmlCleaner.FirstParagraphText")]
    public string Summary() => HtmlCleaner.FirstParagraphText(_cleanHtml, ArticleNormalizer.DerivedSummaryLength);

    [Benchmark(Description = "ArticleNormalizer.Normalize (all of it)")]
    public NormalizationResult Normalize() => _normalizer.Normalize(_draft, "2024-article", "file:2024/article.md");
}
