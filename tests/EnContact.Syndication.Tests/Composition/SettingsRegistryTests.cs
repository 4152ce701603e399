using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Composition;

public sealed class SettingsRegistryTests
{
    [Fact]
    public async Task Sections_OfABuiltGateway_AreEveryOptionsClassItHas()
    {
        await using var gateway = await Gateway.CreateAsync();

        var registered = gateway.Services.GetRequiredService<SettingsRegistry>().Sections.Select(s => (s.Name, s.OptionsType)).OrderBy(s => s.Name);

        Assert.Equal(ConfigDumpTests.OptionsClasses().OrderBy(s => s.Section), registered);
    }

    [Fact]
    public async Task Keys_AreThePublicSettablePropertiesOnly()
    {
        await using var gateway = await Gateway.CreateAsync();

        var admin = gateway.Services.GetRequiredService<SettingsRegistry>().Find("admin")!;

        Assert.Equal(["ApiToken", "MaxRequestBodyBytes", "PublicRequestsPerMinute", "TrustedProxies"], admin.Keys.Select(k => k.Name).Order());
    }
}
