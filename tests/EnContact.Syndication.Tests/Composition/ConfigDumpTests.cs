using System.Reflection;
using System.Text.Json.Nodes;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Composition;

public sealed class ConfigDumpTests
{
    /// <summary>Every options class of the gateway, found by its <c>Section</c> constant rather than by any list the code keeps.</summary>
    public static IEnumerable<(string Section, Type Type)> OptionsClasses() =>
        typeof(Program).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type));

    [Fact]
    public async Task Render_EverySettingsSection_IsDumpedWithEveryKey()
    {
        await using var gateway = await Gateway.CreateAsync();

        var dump = JsonNode.Parse(ConfigDump.Render(gateway.Services, gateway.App.Configuration))!.AsObject();

        var missing = new List<string>();
        foreach (var (section, type) in OptionsClasses())
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
                if (dump[section] is not JsonObject values || !values.ContainsKey(property.Name))
                    missing.Add($"{section}:{property.Name}");
        }
        Assert.Empty(missing);
        Assert.Equal("http://127.0.0.1:0", (string?)dump["Kestrel"]?["Endpoints"]?["Http"]?["Url"]);
        Assert.Equal("Warning", (string?)dump["Logging"]?["LogLevel"]?["Default"]);
    }

    [Fact]
    public async Task Render_Secrets_PrintAsMask()
    {
        await using var gateway = await Gateway.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Smtp:Password"] = "smtp-secret-value",
            ["Subscribers:PreviousTokenSecrets:0"] = "previous-link-secret-0123456789abcdef",
            // A real key: one that is not RSA would not let the gateway start.
            ["Dkim:PrivateKey"] = TestDkim.PrivateKeyPem,
            ["Dkim:Domain"] = "en-contact.com",
            ["Dkim:Selector"] = "lettre",
        });

        var text = ConfigDump.Render(gateway.Services, gateway.App.Configuration);
        var dump = JsonNode.Parse(text)!;

        foreach (var secret in new[] { Gateway.AdminToken, Gateway.LinkSecret, Gateway.HashKey, "smtp-secret-value", "previous-link-secret", "PRIVATE KEY", TestDkim.PrivateKeyPem.Split('\n')[1] })
            Assert.DoesNotContain(secret, text);
        Assert.Equal(ConfigDump.Mask, (string?)dump["Subscribers"]?["TokenSecret"]);
        Assert.Equal(ConfigDump.Mask, (string?)dump["Subscribers"]?["PreviousTokenSecrets"]);
        Assert.Equal(ConfigDump.Mask, (string?)dump["PersonalData"]?["HashKey"]);
        Assert.Equal(ConfigDump.Mask, (string?)dump["Smtp"]?["Password"]);
        Assert.Equal(ConfigDump.Mask, (string?)dump["Dkim"]?["PrivateKey"]);
        Assert.Null(dump["Smtp"]?["Username"]);
    }
}
