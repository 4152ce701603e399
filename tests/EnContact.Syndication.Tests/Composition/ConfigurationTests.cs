using System.Net;
using System.Reflection;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Composition;

public sealed class ConfigurationTests
{
    /// <summary>The gateway must run the same with or without the repository's appsettings.json.</summary>
    [Fact]
    public async Task RepositoryAppSettings_EqualTheEmbeddedDefaults()
    {
        await using var gateway = await Gateway.CreateAsync();
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.repo.json")).Build();

        var differences = new List<string>();
        foreach (var section in gateway.Services.GetRequiredService<SettingsRegistry>().Sections)
        {
            var fromFile = Activator.CreateInstance(section.OptionsType)!;
            configuration.GetSection(section.Name).Bind(fromFile, o => o.ErrorOnUnknownConfiguration = true);
            var defaults = Activator.CreateInstance(section.OptionsType)!;
            if (!configuration.GetSection(section.Name).Exists())
                differences.Add($"{section.Name} is missing from appsettings.json");
            foreach (var property in section.Keys)
                if (!SameValue(property.GetValue(defaults), property.GetValue(fromFile)))
                    differences.Add($"{section.Name}:{property.Name} differs between appsettings.json and its default");
        }
        Assert.Empty(differences);
    }

    /// <summary>The log and listen defaults the code embeds are the file's, except the level every verb sets for itself (see GatewayLogging).</summary>
    [Fact]
    public void RepositoryAppSettings_HostSectionsEqualTheEmbeddedDefaults()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.repo.json")).Build();
        var fromFile = configuration.AsEnumerable().Where(p => p.Value is not null && SettingsRegistry.HostSections.Any(h => p.Key.StartsWith(h + ":", StringComparison.Ordinal)));

        // Values compare without case: the JSON reader writes true as "True", and log levels ignore case.
        Assert.Equal(
            GatewayConfiguration.EmbeddedDefaults.Where(p => p.Key != "Logging:LogLevel:Default").Select(p => $"{p.Key}={p.Value}".ToLowerInvariant()).Order(StringComparer.Ordinal),
            fromFile.Select(p => $"{p.Key}={p.Value}".ToLowerInvariant()).Order(StringComparer.Ordinal));
    }

    private static bool SameValue(object? a, object? b) =>
        a is System.Collections.IEnumerable first and not string && b is System.Collections.IEnumerable second
            ? first.Cast<object?>().SequenceEqual(second.Cast<object?>())
            : Equals(a, b);

    [Fact]
    public async Task Production_WithoutToken_FailsAtStartNamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(
            start: true, environment: "Production", settings: new Dictionary<string, string?> { ["Admin:ApiToken"] = "" }));

        Assert.Contains("Admin:ApiToken: is required outside Development", failure.Message);
    }

    [Fact]
    public async Task Development_WithoutToken_GeneratesOneForTheRun()
    {
        await using var gateway = await Gateway.CreateAsync(start: true, environment: "Development", settings: new Dictionary<string, string?> { ["Admin:ApiToken"] = "" });
        var admin = gateway.Services.GetRequiredService<IOptions<AdminOptions>>().Value;

        using var withToken = gateway.NewClient(admin.ApiToken);
        using var withEmpty = gateway.NewClient("");

        Assert.True(admin.TokenWasGenerated);
        Assert.True(admin.ApiToken!.Length >= AdminOptions.MinTokenLength);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/articles")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withEmpty.GetAsync("/api/articles")).StatusCode);
    }

    [Fact]
    public async Task ConfigDump_NeverPrintsSecrets()
    {
        await using var gateway = await Gateway.CreateAsync();

        var dump = ConfigDump.Render(gateway.Services, gateway.App.Configuration);

        Assert.DoesNotContain(Gateway.AdminToken, dump);
        Assert.Contains("\"ApiToken\": \"***\"", dump);
        Assert.Contains(gateway.DatabasePath, dump);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("Bearer ", false)]
    [InlineData("Basic dGVzdA==", false)]
    [InlineData("Bearer test-admin-token-0123456789abcdeX", false)]
    [InlineData("Bearer test-admin-token-0123456789abcdef", true)]
    [InlineData("bearer test-admin-token-0123456789abcdef", true)]
    public void IsAuthorized_AcceptsOnlyTheExactToken(string header, bool expected)
    {
        Assert.Equal(expected, AdminAuthentication.IsAuthorized(header, Gateway.AdminToken));
    }

    [Fact]
    public void IsAuthorized_NoConfiguredToken_RejectsEverything()
    {
        Assert.False(AdminAuthentication.IsAuthorized("Bearer ", null));
        Assert.False(AdminAuthentication.IsAuthorized("Bearer x", ""));
    }
}
