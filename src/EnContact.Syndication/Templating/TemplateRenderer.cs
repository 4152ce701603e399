using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RazorLight;
using RazorLight.Compilation;

namespace EnContact.Syndication.Templating;

/// <summary>
/// Renders the Razor templates under <see cref="TemplateOptions.Path"/>: <c>name.cshtml</c> is HTML
/// (escaped with <see cref="HtmlText.Encoder"/>), <c>name.text.cshtml</c> is plain text
/// (not escaped: a title with "&amp;" stays "&amp;"). Every template is compiled once, at start-up
/// (<see cref="CompileAllAsync"/>, through <see cref="TemplateCompiler"/>: one compilation for all of them,
/// kept in a cache folder for the next start); compiled templates are shared by every gateway in the
/// process that reads the same templates.
/// </summary>
public sealed class TemplateRenderer
{
    public const string TextSuffix = ".text.cshtml";

    private static readonly ConcurrentDictionary<string, Lazy<(RazorLightEngine Html, RazorLightEngine Text)>> Engines = new();

    private readonly RazorLightEngine _html;
    private readonly RazorLightEngine _text;

    private readonly string? _cacheFolder;
    private readonly ILogger _logger;

    public TemplateRenderer(IOptions<TemplateOptions> options, IHostEnvironment environment, ILogger<TemplateRenderer> logger)
    {
        Root = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        _cacheFolder = string.IsNullOrWhiteSpace(options.Value.CachePath) ? null : System.IO.Path.GetFullPath(options.Value.CachePath, environment.ContentRootPath);
        _logger = logger;
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
    /// Compiles every template of the given sub-folders, all in one compilation (or loads them from the cache
    /// folder, <see cref="TemplateOptions.CachePath"/>), so that an error stops start-up rather than a
    /// subscriber's request. Throws <see cref="TemplateException"/> listing each broken file with its line.
    /// </summary>
    public async Task<CompiledTemplates> CompileAllAsync(IEnumerable<string> folders, CancellationToken cancellationToken)
    {
        var sources = TemplateSources.Read(Root, folders);
        var compiled = await TemplateCompiler.GetAsync(sources, _html, _cacheFolder, _logger, cancellationToken);
        // Handed to both engines under both spellings of a key ("pages/X.cshtml" as the code and layouts
        // write it, "/pages/X.cshtml" as RazorLight normalises it): rendering then never compiles.
        var factories = new TemplateFactoryProvider();
        foreach (var (key, attribute) in compiled.Templates)
        {
            var factory = factories.CreateFactory(new CompiledTemplateDescriptor { TemplateKey = key, TemplateAttribute = attribute });
            foreach (var engine in new[] { _html, _text })
            {
                engine.Handler.Cache.CacheTemplate(key, factory, null);
                engine.Handler.Cache.CacheTemplate(key.TrimStart('/'), factory, null);
            }
        }
        return compiled;
    }

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
