using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using RazorLight;
using RazorLight.Compilation;
using RazorLight.Generation;
using RazorLight.Internal;
using RazorLight.Razor;

namespace EnContact.Syndication.Templating;

/// <summary>Where a set of compiled templates came from.</summary>
public enum TemplateOrigin
{
    /// <summary>Compiled now, by Roslyn.</summary>
    Compiled,
    /// <summary>Loaded from the assembly an earlier run left in the cache folder.</summary>
    Cache,
    /// <summary>Already compiled in this process (another gateway on the same templates).</summary>
    Memory,
}

/// <summary>Every template of a set, by key (<c>/pages/Confirm.cshtml</c>), ready to be handed to RazorLight.</summary>
public sealed record CompiledTemplates(IReadOnlyDictionary<string, RazorLightTemplateAttribute> Templates, TemplateOrigin Origin, string Hash);

/// <summary>
/// Compiles a whole set of templates into one assembly with one Roslyn compilation (RazorLight alone
/// makes one compilation, one assembly and one reference lookup per template), and keeps that assembly in a
/// cache folder under the hash of the sources (<see cref="TemplateSources.Hash"/>): a later start with the
/// same templates and the same build loads it instead of compiling. A changed template changes the hash,
/// so it is compiled again; a set that does not compile is never cached, so a broken template stops
/// every start, cache or not.
/// </summary>
public static class TemplateCompiler
{
    private const string CachePrefix = "templates-";
    private const string GeneratedNamespace = "RazorLight.CompiledTemplates";

    /// <summary>Sets compiled in this process, by hash: every gateway of a test run shares them.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<Task<CompiledTemplates>>> Compiled = new();

    /// <summary>
    /// The compiled form of <paramref name="sources"/>: from this process, else from <paramref name="cacheFolder"/>
    /// (null: no cache), else compiled with <paramref name="engine"/>'s generator and references.
    /// Throws <see cref="TemplateException"/> listing each broken file with its line.
    /// </summary>
    public static async Task<CompiledTemplates> GetAsync(TemplateSources sources, RazorLightEngine engine, string? cacheFolder, ILogger logger, CancellationToken cancellationToken)
    {
        var lazy = new Lazy<Task<CompiledTemplates>>(() => LoadOrCompileAsync(sources, engine, cacheFolder, logger, cancellationToken));
        var existing = Compiled.GetOrAdd(sources.Hash, lazy);
        try
        {
            var result = await existing.Value.WaitAsync(cancellationToken);
            return ReferenceEquals(existing, lazy) ? result : result with { Origin = TemplateOrigin.Memory };
        }
        catch
        {
            // A failure (broken template, cancelled start) is not remembered: the next start tries again.
            Compiled.TryRemove(new KeyValuePair<string, Lazy<Task<CompiledTemplates>>>(sources.Hash, existing));
            throw;
        }
    }

    /// <summary>Forgets a set compiled in this process, as a new process would not know it (tests of the cache folder).</summary>
    internal static void ForgetCompiled(string hash) => Compiled.TryRemove(hash, out _);

    /// <summary>The cached assembly of a set, whether or not it exists.</summary>
    public static string CacheFile(string cacheFolder, string hash) => Path.Combine(cacheFolder, CachePrefix + hash + ".dll");

    private static async Task<CompiledTemplates> LoadOrCompileAsync(TemplateSources sources, RazorLightEngine engine, string? cacheFolder, ILogger logger, CancellationToken cancellationToken)
    {
        if (cacheFolder is not null && TryLoad(sources, cacheFolder, logger) is { } cached)
            return cached;
        var (assembly, symbols) = await CompileAsync(sources, engine, cancellationToken);
        var compiled = Load(sources, assembly, symbols, TemplateOrigin.Compiled)
            ?? throw new InvalidOperationException("The compiled templates do not name every template (RazorLight's generated code has changed?)");
        if (cacheFolder is not null)
            Store(cacheFolder, sources.Hash, assembly, symbols, logger);
        return compiled;
    }

    private static CompiledTemplates? TryLoad(TemplateSources sources, string cacheFolder, ILogger logger)
    {
        var file = CacheFile(cacheFolder, sources.Hash);
        if (!File.Exists(file))
            return null;
        try
        {
            var symbols = Path.ChangeExtension(file, ".pdb");
            var loaded = Load(sources, File.ReadAllBytes(file), File.Exists(symbols) ? File.ReadAllBytes(symbols) : null, TemplateOrigin.Cache);
            if (loaded is null)
                logger.LogWarning("Compiled templates {File} do not match the templates; compiling them again", file);
            return loaded;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            logger.LogWarning(e, "Cannot load compiled templates {File}; compiling them again", file);
            return null;
        }
    }

    /// <summary>The templates of an assembly, or null when it does not hold exactly the set's templates.</summary>
    private static CompiledTemplates? Load(TemplateSources sources, byte[] assembly, byte[]? symbols, TemplateOrigin origin)
    {
        var templates = Assembly.Load(assembly, symbols)
            .GetCustomAttributes<RazorLightTemplateAttribute>()
            .ToDictionary(attribute => attribute.Key, StringComparer.Ordinal);
        return templates.Count == sources.Files.Count && sources.Files.All(file => templates.ContainsKey(Key(file.Name)))
            ? new CompiledTemplates(templates, origin, sources.Hash)
            : null;
    }

    private static void Store(string cacheFolder, string hash, byte[] assembly, byte[] symbols, ILogger logger)
    {
        var file = CacheFile(cacheFolder, hash);
        try
        {
            Directory.CreateDirectory(cacheFolder);
            // Written aside then renamed: a gateway starting meanwhile sees the whole file or none.
            WriteThenRename(Path.ChangeExtension(file, ".pdb"), symbols);
            WriteThenRename(file, assembly);
            // Only the current set is kept: every template edit would otherwise leave an assembly behind.
            foreach (var old in Directory.EnumerateFiles(cacheFolder, CachePrefix + "*"))
                if (!Path.GetFileNameWithoutExtension(old).Equals(CachePrefix + hash, StringComparison.Ordinal))
                    File.Delete(old);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Cannot keep the compiled templates in {Folder}; the next start compiles them again", cacheFolder);
        }
    }

    private static void WriteThenRename(string file, byte[] bytes)
    {
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>RazorLight's key of a template: its path under the folder with a leading '/'.</summary>
    public static string Key(string name) => "/" + name;

    private static async Task<(byte[] Assembly, byte[] Symbols)> CompileAsync(TemplateSources sources, RazorLightEngine engine, CancellationToken cancellationToken)
    {
        var compiler = engine.Handler.Compiler as RazorTemplateCompiler
            ?? throw new InvalidOperationException("RazorLight's engine has no RazorTemplateCompiler");
        var service = compiler.CompilationService as RoslynCompilationService
            ?? throw new InvalidOperationException("RazorLight's engine has no RoslynCompilationService");
        var generator = Generator(compiler);

        // Razor to C#, both cores at once; each template goes into a namespace of its own so that all
        // of them (RazorLight names every class RazorLight.CompiledTemplates.GeneratedTemplate) fit in one assembly.
        var problems = new ConcurrentBag<(string Name, string Problem)>();
        var trees = new SyntaxTree?[sources.Files.Count];
        await Parallel.ForAsync(0, sources.Files.Count, new ParallelOptions { CancellationToken = cancellationToken }, async (i, _) =>
        {
            var file = sources.Files[i];
            try
            {
                var generated = await generator.GenerateCodeAsync(new SourceItem(Key(file.Name), file.Content));
                var code = Separate(generated.GeneratedCode, $"{GeneratedNamespace}.T{i}");
                trees[i] = service.CreateSyntaxTree(SourceText.From(code, Encoding.UTF8)).WithFilePath(file.Name);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problems.Add((file.Name, $"{Display(sources, file.Name)}: {e.Message}"));
            }
        });

        var compilation = ExpressionRewriter.Rewrite(
            service.CreateCompilation("EnContact.Templates." + sources.Hash[..16]).AddSyntaxTrees(trees.OfType<SyntaxTree>()));
        using var assembly = new MemoryStream();
        using var symbols = new MemoryStream();
        var result = compilation.Emit(assembly, symbols, options: service.EmitOptions, cancellationToken: cancellationToken);
        if (!result.Success || !problems.IsEmpty)
        {
            var names = compilation.SyntaxTrees.ToDictionary(tree => tree, tree => tree.FilePath);
            var errors = result.Diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error || d.IsWarningAsError)
                .Select(d => (Tree: d.Location.SourceTree, Span: d.Location.SourceTree?.GetMappedLineSpan(d.Location.SourceSpan), d))
                .Select(e => (Name: e.Tree is null ? "" : names.GetValueOrDefault(e.Tree, ""), Line: e.Span?.StartLinePosition.Line ?? 0, Character: e.Span?.StartLinePosition.Character ?? 0,
                    Problem: $"{Display(sources, e.Tree is null ? "" : names.GetValueOrDefault(e.Tree, ""))}:{Position(e.Span)}: {e.d.GetMessage()}"))
                .OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Character)
                .Select(e => (e.Name, e.Problem));
            throw new TemplateException(problems.OrderBy(p => p.Name, StringComparer.Ordinal).Concat(errors).Select(p => p.Problem).ToList());
        }
        return (assembly.ToArray(), symbols.ToArray());
    }

    /// <summary>Moves one template's generated class into <paramref name="ns"/>.</summary>
    private static string Separate(string code, string ns)
    {
        var declaration = $"namespace {GeneratedNamespace}";
        var type = $"typeof({GeneratedNamespace}.GeneratedTemplate)";
        var at = code.IndexOf(declaration, StringComparison.Ordinal);
        var end = at + declaration.Length;
        if (at < 0 || end >= code.Length || !char.IsWhiteSpace(code[end]) || !code.Contains(type, StringComparison.Ordinal))
            throw new InvalidOperationException("RazorLight's generated code has an unexpected shape");
        return string.Concat(code.AsSpan(0, at), $"namespace {ns}", code.AsSpan(end))
            .Replace(type, $"typeof({ns}.GeneratedTemplate)", StringComparison.Ordinal);
    }

    /// <summary>
    /// The engine's own Razor generator (its settings, its default imports). RazorLight keeps it private;
    /// the package version is pinned and every template test goes through here.
    /// </summary>
    private static RazorSourceGenerator Generator(RazorTemplateCompiler compiler) =>
        typeof(RazorTemplateCompiler).GetField("_razorSourceGenerator", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(compiler) as RazorSourceGenerator
        ?? throw new InvalidOperationException("RazorLight's RazorTemplateCompiler has no _razorSourceGenerator (a new RazorLight version?)");

    /// <summary>How an operator finds the file: the templates folder's name and the template's path.</summary>
    public static string Display(TemplateSources sources, string name) => Path.Combine(Path.GetFileName(sources.Root), name).Replace('\\', '/');

    /// <summary>Roslyn's zero-based position → "13:6", one-based as editors count.</summary>
    private static string Position(FileLinePositionSpan? span) =>
        span is { } s ? $"{s.StartLinePosition.Line + 1}:{s.StartLinePosition.Character + 1}" : "?";

    /// <summary>A template as read once: the bytes that were hashed are the bytes that are compiled.</summary>
    private sealed class SourceItem(string key, byte[] content) : RazorLightProjectItem
    {
        public override string Key => key;
        public override bool Exists => true;
        public override Stream Read() => new MemoryStream(content, writable: false);
    }
}
