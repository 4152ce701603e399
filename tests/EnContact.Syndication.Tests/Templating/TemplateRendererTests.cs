using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Templating;

[Trait("Speed", "Slow")]
public sealed class TemplateRendererTests
{
    private static string RepositoryTemplates => Path.Combine(AppContext.BaseDirectory, "templates");

    /// <summary>A copy of the repository's templates that a test may break.</summary>
    private static TempDirectory CopyOfTemplates()
    {
        var copy = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(RepositoryTemplates, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(RepositoryTemplates, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    [Fact]
    public async Task StartUp_WithABrokenTemplate_FailsNamingTheFileAndLine()
    {
        using var templates = CopyOfTemplates();
        var confirm = Path.Combine(templates.Path, "pages", "Confirm.cshtml");
        var lines = File.ReadAllLines(confirm).ToList();
        lines.Insert(3, "<p>@Model.Adresse</p>"); // line 4: a property that does not exist
        File.WriteAllLines(confirm, lines);

        var failure = await Assert.ThrowsAsync<TemplateException>(() =>
            Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Templates:Path"] = templates.Path }));

        var problem = Assert.Single(failure.Problems);
        Assert.StartsWith($"{Path.GetFileName(templates.Path)}/pages/Confirm.cshtml:4:", problem);
        Assert.Contains("Adresse", problem);
    }

    [Fact]
    public async Task StartUp_WithABrokenDigestPartial_FailsNamingItToo()
    {
        using var templates = CopyOfTemplates();
        var article = Path.Combine(templates.Path, "digest", "_Article.cshtml");
        File.WriteAllText(article, File.ReadAllText(article).Replace("@item.Title", "@item.Titre"));

        var failure = await Assert.ThrowsAsync<TemplateException>(() =>
            Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Templates:Path"] = templates.Path }));

        Assert.All(failure.Problems, p => Assert.StartsWith($"{Path.GetFileName(templates.Path)}/digest/_Article.cshtml:", p));
        Assert.Contains(failure.Problems, p => p.Contains("Titre"));
    }

    [Fact]
    public async Task StartUp_WithoutTheTemplatesFolder_FailsNamingIt()
    {
        using var empty = new TempDirectory();
        var missing = Path.Combine(empty.Path, "nowhere");

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Templates:Path"] = missing }));

        Assert.Contains($"Templates:Path: the templates folder '{missing}' does not exist", failure.Failures);
    }

    [Fact]
    public async Task Html_EscapesMarkupOnceAndKeepsFrenchReadable_TextIsNotEscaped()
    {
        await using var gateway = await Gateway.CreateAsync();
        var renderer = gateway.Services.GetRequiredService<TemplateRenderer>();
        var model = new ConfirmationMailModel("L’IA > le script & « Été » <b>", "https://www.en-contact.com/", "https://lettre.en-contact.com/confirm/x?a=1&b=2", 48);

        var (html, values) = await renderer.RenderWithValuesAsync("email/Confirmation.cshtml", model);
        var text = await renderer.RenderAsync("email/Confirmation.text.cshtml", model);

        Assert.Contains("L’IA &gt; le script &amp; « Été » &lt;b&gt;", html);
        Assert.DoesNotContain("&#x", html);
        Assert.Contains("href=\"https://lettre.en-contact.com/confirm/x?a=1&amp;b=2\"", html);
        Assert.Equal("Confirmez votre abonnement à la lettre d’L’IA > le script & « Été » <b>", values["Subject"]);
        Assert.Contains("d’L’IA > le script & « Été » <b> à cette adresse", text);
        Assert.Contains("https://lettre.en-contact.com/confirm/x?a=1&b=2", text);
    }
}
