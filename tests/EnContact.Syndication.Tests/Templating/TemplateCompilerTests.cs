using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Templating;

/// <summary>The compiled-template cache: what a later start loads, and when it must not.</summary>
[Trait("Speed", "Slow")]
public sealed class TemplateCompilerTests
{
    private static string RepositoryTemplates => Path.Combine(AppContext.BaseDirectory, "templates");

    private static readonly ConfirmationMailModel Model = new("L’IA > le script & « Été »", "https://www.en-contact.com/", "https://lettre.en-contact.com/confirm/x?a=1&b=2", 48);

    /// <summary>
    /// A copy of the repository's templates, made unique with a comment so that no other test's
    /// gateway in this process has compiled the same set.
    /// </summary>
    private static TempDirectory CopyOfTemplates()
    {
        var copy = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(RepositoryTemplates, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(RepositoryTemplates, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.AppendAllText(Path.Combine(copy.Path, "pages", "Confirm.cshtml"), $"@* {Guid.NewGuid():N} *@{Environment.NewLine}");
        return copy;
    }

    private static Task<Gateway> GatewayAsync(TempDirectory templates, string cache) =>
        Gateway.CreateAsync(settings: new Dictionary<string, string?> { ["Templates:Path"] = templates.Path, ["Templates:CachePath"] = cache });

    private static string Confirmation(TempDirectory templates) => Path.Combine(templates.Path, "email", "Confirmation.cshtml");

    [Fact]
    public async Task CompileAll_SameTemplatesInANewProcess_LoadsTheCachedAssemblyAndRendersTheSame()
    {
        using var templates = CopyOfTemplates();
        using var cache = new TempDirectory();
        await using var gateway = await GatewayAsync(templates, cache.Path);
        var renderer = gateway.Services.GetRequiredService<TemplateRenderer>();

        var compiled = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var fresh = await renderer.RenderWithValuesAsync("email/Confirmation.cshtml", Model);
        TemplateCompiler.ForgetCompiled(compiled.Hash); // as a new process: only the cache folder knows the set
        var loaded = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var again = await renderer.RenderWithValuesAsync("email/Confirmation.cshtml", Model);

        Assert.Equal(TemplateOrigin.Compiled, compiled.Origin);
        Assert.True(File.Exists(TemplateCompiler.CacheFile(cache.Path, compiled.Hash)));
        Assert.Equal(TemplateOrigin.Cache, loaded.Origin);
        Assert.Equal(compiled.Templates.Keys.Order(), loaded.Templates.Keys.Order());
        Assert.NotSame(compiled.Templates.Values.First().TemplateType.Assembly, loaded.Templates.Values.First().TemplateType.Assembly);
        Assert.Equal(fresh.Text, again.Text);
        Assert.Equal(fresh.Values["Subject"], again.Values["Subject"]);
        Assert.Contains("L’IA &gt; le script &amp; « Été »", again.Text);
    }

    [Fact]
    public async Task CompileAll_AfterATemplateChanged_CompilesAgainRendersTheChangeAndKeepsOnlyTheNewSet()
    {
        using var templates = CopyOfTemplates();
        using var cache = new TempDirectory();
        await using var gateway = await GatewayAsync(templates, cache.Path);
        var renderer = gateway.Services.GetRequiredService<TemplateRenderer>();
        var before = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);

        File.WriteAllText(Confirmation(templates), File.ReadAllText(Confirmation(templates)).Replace("</body>", "<p>Nouvelle mention</p></body>"));
        var after = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var html = await renderer.RenderAsync("email/Confirmation.cshtml", Model);

        Assert.NotEqual(before.Hash, after.Hash);
        Assert.Equal(TemplateOrigin.Compiled, after.Origin);
        Assert.Contains("<p>Nouvelle mention</p>", html);
        Assert.Equal([Path.GetFileName(TemplateCompiler.CacheFile(cache.Path, after.Hash))],
            Directory.EnumerateFiles(cache.Path, "*.dll").Select(Path.GetFileName));
    }

    [Fact]
    public async Task StartUp_WithABrokenTemplateAndTheGoodSetCached_StillFailsNamingTheFileAndLine()
    {
        using var templates = CopyOfTemplates();
        using var cache = new TempDirectory();
        await using (var good = await GatewayAsync(templates, cache.Path))
            await good.Services.GetRequiredService<TemplateRenderer>().CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var cached = Directory.EnumerateFiles(cache.Path, "*.dll").ToList();
        var confirm = Path.Combine(templates.Path, "pages", "Confirm.cshtml");
        var lines = File.ReadAllLines(confirm).ToList();
        lines.Insert(3, "<p>@Model.Adresse</p>"); // line 4: a property that does not exist
        File.WriteAllLines(confirm, lines);

        var failure = await Assert.ThrowsAsync<TemplateException>(() => Gateway.CreateAsync(start: true,
            settings: new Dictionary<string, string?> { ["Templates:Path"] = templates.Path, ["Templates:CachePath"] = cache.Path }));

        Assert.Single(cached);
        var problem = Assert.Single(failure.Problems);
        Assert.StartsWith($"{Path.GetFileName(templates.Path)}/pages/Confirm.cshtml:4:", problem);
        Assert.Contains("Adresse", problem);
        Assert.Equal(cached, Directory.EnumerateFiles(cache.Path, "*.dll").ToList()); // nothing cached for the broken set
    }

    [Fact]
    public async Task CompileAll_WithADamagedCachedAssembly_CompilesAgainAndReplacesIt()
    {
        using var templates = CopyOfTemplates();
        using var cache = new TempDirectory();
        await using var gateway = await GatewayAsync(templates, cache.Path);
        var renderer = gateway.Services.GetRequiredService<TemplateRenderer>();
        var first = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var file = TemplateCompiler.CacheFile(cache.Path, first.Hash);
        File.WriteAllBytes(file, File.ReadAllBytes(file).AsSpan(0, 512).ToArray()); // a copy cut short
        TemplateCompiler.ForgetCompiled(first.Hash);

        var second = await renderer.CompileAllAsync(TemplatingSetup.Folders, CancellationToken.None);
        var html = await renderer.RenderAsync("email/Confirmation.cshtml", Model);

        Assert.Equal(TemplateOrigin.Compiled, second.Origin);
        Assert.Contains("L’IA &gt; le script &amp; « Été »", html);
        Assert.True(new FileInfo(file).Length > 512);
    }

    [Fact]
    public async Task StartUp_WithTheCacheOff_CompilesAndWritesNoCache()
    {
        using var templates = CopyOfTemplates();
        await using var gateway = await Gateway.CreateAsync(start: true,
            settings: new Dictionary<string, string?> { ["Templates:Path"] = templates.Path, ["Templates:CachePath"] = "" });

        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(gateway.DatabasePath)!, "template-cache")));
        Assert.Contains("Confirmez", await gateway.Services.GetRequiredService<TemplateRenderer>().RenderAsync("email/Confirmation.cshtml", Model));
    }
}
