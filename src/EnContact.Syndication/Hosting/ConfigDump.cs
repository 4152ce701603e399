using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Hosting;

/// <summary>The effective settings as JSON (defaults included), secrets replaced by "***" and never printed.</summary>
public static class ConfigDump
{
    public const string Mask = "***";

    public static string Render(IServiceProvider services, IConfiguration configuration)
    {
        var root = new JsonObject
        {
            [SiteOptions.Section] = Describe(services.GetRequiredService<IOptions<SiteOptions>>().Value),
            [PersonalDataOptions.Section] = Describe(services.GetRequiredService<IOptions<PersonalDataOptions>>().Value),
            [StorageOptions.Section] = Describe(services.GetRequiredService<IOptions<StorageOptions>>().Value),
            [IngestionOptions.Section] = Describe(services.GetRequiredService<IOptions<IngestionOptions>>().Value),
            [AdminOptions.Section] = Describe(services.GetRequiredService<IOptions<AdminOptions>>().Value),
            [Feeds.FeedsOptions.Section] = Describe(services.GetRequiredService<IOptions<Feeds.FeedsOptions>>().Value),
            [Delivery.DeliveryOptions.Section] = Describe(services.GetRequiredService<IOptions<Delivery.DeliveryOptions>>().Value),
            [Delivery.SmtpOptions.Section] = Describe(services.GetRequiredService<IOptions<Delivery.SmtpOptions>>().Value),
            [Delivery.DkimOptions.Section] = Describe(services.GetRequiredService<IOptions<Delivery.DkimOptions>>().Value),
            ["Kestrel:Endpoints:Http:Url"] = configuration["Kestrel:Endpoints:Http:Url"],
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = JsonSerializerOptions.Default.TypeInfoResolver });
    }

    private static JsonObject Describe(object options)
    {
        var node = new JsonObject();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var value = property.GetValue(options);
            if (property.GetCustomAttribute<SecretAttribute>() is not null)
                node[property.Name] = value is null or "" ? null : Mask;
            else
                node[property.Name] = value is null ? null : JsonValue.Create(value is TimeSpan or Enum ? value.ToString() : value);
        }
        return node;
    }
}
