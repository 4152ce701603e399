using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RazorLight;
using RazorLight.Compilation;

namespace EnContact.Syndication.Templating;

/// <summary>
/// Renders the Razor templates under <see cref="TemplateOptions.Path"/>: <c>name.cshtml</c> is HTML
/// (escaped with <see cref="HtmlText.Encoder"/>), <c>name.text.cshtml</c> is plain text
/// (not escaped: a title with "&amp;" stays "&amp;"). Every template is compiled once, at start-up
/// (<see cref="CompileAllAsync"/>); compiled templates are shared by every gateway in the process that
/// reads the same folder, because a Roslyn compile costs about a second.
/// </summary>
public sealed class TemplateRenderer
{
    public const string TextSuffix = ".text.cshtml";

    private static readonly ConcurrentDictionary<string, Lazy<(RazorLightEngine Html, RazorLightEngine Text)>> Engines = new();

    private readonly RazorLightEngine _html;
    private readonly RazorLightEngine _text;

    public TemplateRenderer(IOptions<TemplateOptions> options, IHostEnvironment environment)
    {
        Root = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        (_html, _text) = Engines.GetOrAdd(Root, root => new Lazy<(RazorLightEngine, RazorLightEngine)>(() => (Create(root, encode: true), Create(root, encode: false)))).Value;
    }

    /// <summary>The templates folder (absolute).</summary>
    public string Root { get; }

    /// <summary>Renders <paramref name="name"/> (a path under the templates folder, e.g. <c>pages/Confirm.cshtml</c>) with <paramref name="model"/>.</summary>
    public async Task<string> RenderAsync<TModel>(string name, TModel model) => (await RenderWithValuesAsync(name, model)).Text;

    /// <summary>Renders and also returns what the template put in <c>ViewBag</c> (a mail's <c>ViewBag.Subject</c>).</summary>
    public async Task<(string Text, IReadOnlyDictionary<string, object?> Values)> RenderWithValuesAsync<TModel>(string name, TModel model)
    {
        var engine = name.EndsWith(TextSuffix, StringComparison.Ordinal) ? _text : _html;
        var page = await engine.CompileTemplateAsync(name);
        var viewBag = new System.Dynamic.ExpandoObject();
        var text = await engine.RenderTemplateAsync(page, model, viewBag);
        return (text, new Dictionary<string, object?>(viewBag));
    }

    /// <summary>
    /// Compiles every template of the given sub-folders, so that an error stops start-up rather than a
    /// subscriber's request. Throws <see cref="TemplateException"/> listing each broken file with its line.
    /// </summary>
    public async Task CompileAllAsync(IEnumerable<string> folders, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var files = folders
            .Select(folder => System.IO.Path.Combine(Root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cshtml", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = System.IO.Path.GetRelativePath(Root, file).Replace('\\', '/');
            var engine = name.EndsWith(TextSuffix, StringComparison.Ordinal) ? _text : _html;
            try
            {
                await engine.CompileTemplateAsync(name);
            }
            catch (TemplateCompilationException e)
            {
                problems.AddRange(e.CompilationDiagnostics.Count == 0
                    ? [$"{Display(name)}: {e.Message}"]
                    : e.CompilationDiagnostics.Select(d => $"{Display(name)}:{Line(d.LineSpan)}: {d.ErrorMessage}"));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problems.Add($"{Display(name)}: {e.Message}");
            }
        }
        if (problems.Count > 0)
            throw new TemplateException(problems);
    }

    private string Display(string name) => System.IO.Path.Combine(System.IO.Path.GetFileName(Root), name).Replace('\\', '/');

    /// <summary>Roslyn's zero-based position → "13:6", one-based as editors count.</summary>
    private static string Line(Microsoft.CodeAnalysis.FileLinePositionSpan? span) =>
        span is { } s ? $"{s.StartLinePosition.Line + 1}:{s.StartLinePosition.Character + 1}" : "?";

    private static RazorLightEngine Create(string root, bool encode)
    {
        var builder = new RazorLightEngineBuilder()
            .UseFileSystemProject(root)
            .SetOperatingAssembly(typeof(TemplateRenderer).Assembly)
            .UseMemoryCachingProvider();
        if (!encode)
            builder = builder.DisableEncoding();
        return builder.Build();
    }
}

/// <summary>One or more templates do not compile; each line names the file, line and column.</summary>
public sealed class TemplateException(IReadOnlyList<string> problems)
    : InvalidOperationException("Templates do not compile:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
