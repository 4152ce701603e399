using System.Net;
using System.Net.Http.Headers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Templating;

/// <summary>Errors as readers' browsers get them (French HTML pages) and as programs get them (problem details, plain statuses).</summary>
[Trait("Speed", "Slow")]
public sealed class ErrorPagesTests
{
    [Theory]
    [InlineData("/nulle-part", "Page introuvable")]
    [InlineData("/digests/99", "Page introuvable")]
    public async Task Get_UnknownPageFromABrowser_IsA404FrenchPageNotIndexed(string path, string heading)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Equal("text/html", page.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(heading, page.Heading);
        Assert.Equal("fr", page.Document.DocumentElement.GetAttribute("lang"));
        Assert.Contains(page.Document.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/");
        Assert.Equal("noindex", page.Response.Headers.GetValues("X-Robots-Tag").Single());
    }

    [Theory]
    [InlineData("/nulle-part")]
    [InlineData("/digests/99")]
    public async Task Get_UnknownPageFromAProgram_IsProblemDetails(string path)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        using var client = gateway.NewClient(null);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("/api/nulle-part")]
    [InlineData("/feeds/nulle-part.atom")]
    public async Task Get_UnknownApiOrFeedAddressFromABrowser_KeepsItsProgramAnswer(string path)
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await gateway.WaitForFeedsAsync();
        using var client = gateway.NewClient(Gateway.AdminToken);
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_OverTheRateLimitFromABrowser_IsA429FrenchPageSayingWhenToRetry()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Admin:PublicRequestsPerMinute"] = "1" });
        using var browser = new Browser(gateway);
        await browser.GetAsync("/subscribe");

        var page = await browser.GetAsync("/subscribe");

        Assert.Equal(HttpStatusCode.TooManyRequests, page.Status);
        Assert.Equal(TimeSpan.FromSeconds(60), page.Response.Headers.RetryAfter!.Delta);
        Assert.Equal("Trop de demandes", page.Heading);
        Assert.Contains("réessayez dans une minute", page.MainText);
    }

    [Fact]
    public async Task Get_WhenThePageCrashesForABrowser_IsA500FrenchPageWithoutDetails()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, storage: EnContact.Syndication.Storage.StorageProvider.Sqlite);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={gateway.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "PRAGMA foreign_keys=OFF; DROP TABLE digest_editions;";
            await drop.ExecuteNonQueryAsync();
        }
        using var browser = new Browser(gateway);

        var page = await browser.GetAsync("/digests");

        Assert.Equal(HttpStatusCode.InternalServerError, page.Status);
        Assert.Equal("Une erreur est survenue de notre côté", page.Heading);
        Assert.DoesNotContain("digest_editions", page.Html);
        Assert.DoesNotContain("Exception", page.Html);
    }
}
