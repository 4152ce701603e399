using System.Text.Encodings.Web;
using System.Text.Json;

namespace EnContact.Syndication.Feeds;

/// <summary>JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from the same model as RSS and Atom.</summary>
public static class JsonFeedWriter
{
    public const string Version = "https://jsonfeed.org/version/1.1";

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Served as application/feed+json, never inside HTML: accents and quotes stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Write(FeedModel model)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("version", Version);
            json.WriteString("title", model.Title);
            json.WriteString("home_page_url", model.HomePageUrl);
            if (model.SelfUrl is not null)
                json.WriteString("feed_url", model.SelfUrl(FeedFormat.Json));
            json.WriteString("description", model.Subtitle);
            json.WriteString("language", model.Language);
            if (model.LogoUrl is not null)
                json.WriteString("icon", model.LogoUrl);
            if (model.IconUrl is not null)
                json.WriteString("favicon", model.IconUrl);
            json.WriteStartArray("authors");
            json.WriteStartObject();
            json.WriteString("name", model.Publisher);
            json.WriteString("url", model.HomePageUrl);
            json.WriteEndObject();
            json.WriteEndArray();
            if (model.HubUrl is not null)
            {
                json.WriteStartArray("hubs");
                json.WriteStartObject();
                json.WriteString("type", "WebSub");
                json.WriteString("url", model.HubUrl);
                json.WriteEndObject();
                json.WriteEndArray();
            }

            json.WriteStartArray("items");
            foreach (var entry in model.Entries)
                WriteItem(json, entry);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteItem(Utf8JsonWriter json, FeedEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("id", entry.Id);
        json.WriteString("url", entry.Url);
        json.WriteString("title", entry.Title);
        json.WriteString("content_html", entry.ContentHtml);
        json.WriteString("summary", entry.Summary);
        if (entry.ImageUrl is not null)
            json.WriteString("image", entry.ImageUrl);
        json.WriteString("date_published", entry.Published.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("date_modified", entry.Updated.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture));
        if (entry.Authors.Count > 0)
        {
            json.WriteStartArray("authors");
            foreach (var author in entry.Authors)
            {
                json.WriteStartObject();
                json.WriteString("name", author);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (entry.Categories.Count > 0)
        {
            json.WriteStartArray("tags");
            foreach (var category in entry.Categories)
                json.WriteStringValue(category);
            json.WriteEndArray();
        }
        json.WriteString("language", entry.Language);
        json.WriteEndObject();
    }
}
