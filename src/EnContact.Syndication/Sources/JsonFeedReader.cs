using System.Text.Json;

namespace EnContact.Syndication.Sources;

/// <summary>
/// JSON Feed 1.0 and 1.1 documents (the reading side of <see cref="Feeds.JsonFeedWriter"/>'s format).
/// Each item is read on its own: one with a wrong type somewhere is a note, not a lost document.
/// </summary>
public static class JsonFeedReader
{
    public static UpstreamDocument Read(Stream bytes, Uri feedUrl)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new UnreadableFeedException($"the document is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || String(root, "version") is not { } version || !version.StartsWith("https://jsonfeed.org/version/", StringComparison.Ordinal))
                throw new UnreadableFeedException("the JSON document is not a JSON Feed (no \"version\": \"https://jsonfeed.org/version/1.1\")");
            if (!root.TryGetProperty("items", out var itemsElement) || itemsElement.ValueKind != JsonValueKind.Array)
                throw new UnreadableFeedException("the JSON Feed has no \"items\" array");

            var notes = new List<string>();
            var items = new List<UpstreamItem>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var feedAuthors = Authors(root);
            var number = 0;
            foreach (var element in itemsElement.EnumerateArray())
            {
                number++;
                try
                {
                    var item = ToItem(element, feedUrl, feedAuthors, notes);
                    if (item is null)
                        notes.Add($"item {number} has neither an id nor a url: skipped");
                    else if (!keys.Add(item.Key))
                        notes.Add($"item {number}: the id '{item.Key}' appears more than once in the document; the first is kept");
                    else
                        items.Add(item);
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
                {
                    notes.Add($"item {number} could not be read: {e.Message}");
                }
            }
            var next = String(root, "next_url") is { } nextUrl && XmlFeedReader.Absolute(feedUrl, nextUrl) is { } absolute ? new Uri(absolute) : null;
            return new UpstreamDocument(items, notes, next, "json");
        }
    }

    private static UpstreamItem? ToItem(JsonElement element, Uri feedUrl, IReadOnlyList<string> feedAuthors, List<string> notes)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidOperationException("it is not an object");
        var link = String(element, "url") is { } url ? XmlFeedReader.Absolute(feedUrl, url) : null;
        // JSON Feed 1.0 let an id be a number.
        var id = element.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.Number ? idElement.GetRawText() : String(element, "id");
        var key = string.IsNullOrWhiteSpace(id) ? link : id.Trim();
        if (string.IsNullOrEmpty(key))
            return null;
        var html = String(element, "content_html");
        if (html is null && String(element, "content_text") is { } text)
            html = string.Join("", text.Split("\n\n").Select(p => $"<p>{System.Net.WebUtility.HtmlEncode(p.Trim())}</p>"));
        var authors = Authors(element);
        var published = DateOf(element, "date_published", key, notes);
        var updated = DateOf(element, "date_modified", key, notes);
        return new UpstreamItem
        {
            Key = key,
            Title = String(element, "title"),
            Link = link,
            ContentHtml = html is null ? null : RelativeUrls.Resolve(html, link is null ? feedUrl : new Uri(link)),
            Summary = String(element, "summary"),
            Authors = authors.Count > 0 ? authors : feedAuthors,
            Categories = element.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? [.. tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)]
                : [],
            Published = published ?? updated,
            Updated = updated,
            Image = (String(element, "image") ?? String(element, "banner_image")) is { } image ? XmlFeedReader.Absolute(feedUrl, image) : null,
        };
    }

    private static DateTimeOffset? DateOf(JsonElement element, string name, string key, List<string> notes)
    {
        if (String(element, name) is not { } text)
            return null;
        var parsed = FeedDates.Parse(text);
        if (parsed is null)
            notes.Add($"item '{key}': '{text}' is not a date; the time it was first seen stands in");
        return parsed;
    }

    /// <summary>1.1's <c>authors</c>, or 1.0's single <c>author</c>.</summary>
    private static IReadOnlyList<string> Authors(JsonElement element)
    {
        var names = new List<string>();
        if (element.TryGetProperty("authors", out var authors) && authors.ValueKind == JsonValueKind.Array)
            names.AddRange(authors.EnumerateArray().Select(a => String(a, "name")).OfType<string>());
        else if (element.TryGetProperty("author", out var author))
            names.AddRange(new[] { String(author, "name") }.OfType<string>());
        return [.. names.Select(n => n.Trim()).Where(n => n.Length > 0)];
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
