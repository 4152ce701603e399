using System.Net;
using System.Reflection;
using EnContact.Syndication.Hosting;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Hosting;

public sealed class ConfigurationTests
{
    public static TheoryData<string, Type> Sections => new()
    {
        { SiteOptions.Section, typeof(SiteOptions) },
        { StorageOptions.Section, typeof(StorageOptions) },
        { IngestionOptions.Section, typeof(IngestionOptions) },
        { AdminOptions.Section, typeof(AdminOptions) },
        { EnContact.Syndication.Feeds.FeedsOptions.Section, typeof(EnContact.Syndication.Feeds.FeedsOptions) },
        { EnContact.Syndication.Delivery.DeliveryOptions.Section, typeof(EnContact.Syndication.Delivery.DeliveryOptions) },
        { EnContact.Syndication.Delivery.SmtpOptions.Section, typeof(EnContact.Syndication.Delivery.SmtpOptions) },
        { EnContact.Syndication.Delivery.DkimOptions.Section, typeof(EnContact.Syndication.Delivery.DkimOptions) },
        { EnContact.Syndication.Templating.TemplateOptions.Section, typeof(EnContact.Syndication.Templating.TemplateOptions) },
        { EnContact.Syndication.Subscribers.SubscribersOptions.Section, typeof(EnContact.Syndication.Subscribers.SubscribersOptions) },
        { EnContact.Syndication.Digests.DigestOptions.Section, typeof(EnContact.Syndication.Digests.DigestOptions) },
    };

    /// <summary>The gateway must run the same with or without the repository's appsettings.json.</summary>
    [Theory]
    [MemberData(nameof(Sections))]
    public void RepositoryAppSettings_EqualTheEmbeddedDefaults(string section, Type type)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.repo.json")).Build();
        var fromFile = Activator.CreateInstance(type)!;
        configuration.GetSection(section).Bind(fromFile, o => o.ErrorOnUnknownConfiguration = true);
        var defaults = Activator.CreateInstance(type)!;

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            Assert.True(SameValue(property.GetValue(defaults), property.GetValue(fromFile)), $"{section}:{property.Name} differs between appsettings.json and its default");
        Assert.True(configuration.GetSection(section).Exists());
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
