using EnContact.Syndication.Storage;
using System.Collections;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EnContact.Syndication.Composition;

/// <summary>
/// The effective settings as JSON (defaults included): every section of the <see cref="SettingsRegistry"/>,
/// then what ASP.NET Core reads (the listen addresses, the log settings). Secrets print as "***", never their value.
/// </summary>
public static class ConfigDump
{
    public const string Mask = "***";

    public static string Render(IServiceProvider services, IConfiguration configuration)
    {
        var root = new JsonObject();
        foreach (var section in services.GetRequiredService<SettingsRegistry>().Sections)
            root[section.Name] = Describe(section.Resolve(services));

        // Only the addresses of Kestrel's section: the rest may hold a certificate's password.
        var endpoints = new JsonObject();
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            endpoints[endpoint.Key] = new JsonObject { ["Url"] = endpoint["Url"] };
        root["Kestrel"] = new JsonObject { ["Endpoints"] = endpoints };
        root["Logging"] = Tree(configuration.GetSection("Logging"));
        if (configuration["AllowedHosts"] is { } hosts)
            root["AllowedHosts"] = hosts;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = JsonSerializerOptions.Default.TypeInfoResolver });
    }

    private static JsonObject Describe(object options)
    {
        var node = new JsonObject();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var value = property.GetValue(options);
            if (property.GetCustomAttribute<SecretAttribute>() is not null)
                node[property.Name] = value is null or "" or ICollection { Count: 0 } ? null : Mask;
            else
                node[property.Name] = value is null ? null : JsonValue.Create(value is TimeSpan or Enum ? value.ToString() : value);
        }
        return node;
    }

    private static JsonNode? Tree(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
            return section.Value;
        var node = new JsonObject();
        foreach (var child in children)
            node[child.Key] = Tree(child);
        return node;
    }
}
