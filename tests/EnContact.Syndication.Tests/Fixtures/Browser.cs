using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using MimeKit;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>A page as a browser got it: status, headers and the parsed document.</summary>
public sealed record Page(HttpStatusCode Status, HttpResponseMessage Response, IHtmlDocument Document, string Html)
{
    /// <summary>The text of the page's main content, whitespace collapsed (for comparing answers).</summary>
    public string MainText => string.Join(' ', (Document.QuerySelector("main")?.TextContent ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public string Heading => Document.QuerySelector("h1")?.TextContent.Trim() ?? "";
}

/// <summary>
/// A reader's browser over real HTTP: keeps cookies, fills and submits the forms of the pages it
/// loaded (with their hidden fields, the anti-forgery one included). HTML is read back with
/// AngleSharp, an independent parser.
/// </summary>
public sealed class Browser : IDisposable
{
    private static readonly HtmlParser Parser = new();
    private readonly HttpClient _client;

    public Browser(Gateway gateway) : this(gateway.BaseAddress)
    {
    }

    public Browser(Uri baseAddress)
    {
        _client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        // As browsers do: the gateway answers errors to them with French pages, not problem details.
        _client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
    }

    /// <summary>Headers every later request carries (an Origin, a Referer).</summary>
    public System.Net.Http.Headers.HttpRequestHeaders Headers => _client.DefaultRequestHeaders;

    public Page? Current { get; private set; }

    public async Task<Page> GetAsync(string path) => Current = await ReadAsync(await _client.GetAsync(path), path);

    /// <summary>Submits form number <paramref name="index"/> of the current page with its fields, changed by <paramref name="fields"/>.</summary>
    public Task<Page> SubmitAsync(int index = 0, params (string Name, string? Value)[] fields) => SubmitToAsync(null, index, fields);

    /// <summary>
    /// Submits form number <paramref name="index"/> of the current page to the same path on another
    /// server (a load balancer's choice); the cookies go along, as they are not bound to a port.
    /// </summary>
    public async Task<Page> SubmitToAsync(Uri? server, int index = 0, params (string Name, string? Value)[] fields)
    {
        var page = Current ?? throw new InvalidOperationException("no page loaded");
        var form = page.Document.Forms.ElementAtOrDefault(index) ?? throw new Xunit.Sdk.XunitException($"the page has no form #{index}:\n{page.Html}");
        var values = new List<KeyValuePair<string, string>>();
        foreach (var input in form.Elements.OfType<IHtmlInputElement>())
        {
            if (input.Type is "checkbox" && !input.IsChecked)
                continue;
            if (input.Type is "hidden" or "checkbox" || !string.IsNullOrEmpty(input.Value))
                values.Add(new(input.Name!, input.Value));
        }
        foreach (var (name, value) in fields)
        {
            values.RemoveAll(v => v.Key == name);
            if (value is not null)
                values.Add(new(name, value));
        }
        var target = FormTarget(page, form);
        return await PostFormAsync(server is null ? target : new Uri(server, target).ToString(), values);
    }

    /// <summary>Ticks exactly these checkboxes named <paramref name="name"/> (by value) and submits.</summary>
    public Task<Page> SubmitWithChoicesAsync(string name, IEnumerable<string> chosen, params (string Name, string? Value)[] fields)
    {
        var page = Current ?? throw new InvalidOperationException("no page loaded");
        foreach (var box in page.Document.Forms[0].Elements.OfType<IHtmlInputElement>().Where(i => i.Type == "checkbox" && i.Name == name))
            box.IsChecked = chosen.Contains(box.Value);
        return SubmitAsync(0, fields);
    }

    public async Task<Page> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> values) =>
        Current = await ReadAsync(await _client.PostAsync(path, new FormUrlEncodedContent(values)), path);

    private static string FormTarget(Page page, IHtmlFormElement form)
    {
        var action = form.GetAttribute("action");
        return string.IsNullOrEmpty(action) ? page.Response.RequestMessage!.RequestUri!.PathAndQuery : action;
    }

    private static async Task<Page> ReadAsync(HttpResponseMessage response, string path)
    {
        var html = await response.Content.ReadAsStringAsync();
        return new Page(response.StatusCode, response, Parser.ParseDocument(html), html);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The path (and query) of the link in <paramref name="message"/> that starts with <paramref name="publicPrefix"/>; the text and HTML parts must carry the same one.</summary>
    public static string LinkPath(MimeMessage message, string publicPrefix)
    {
        var inText = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? "", System.Text.RegularExpressions.Regex.Escape(publicPrefix) + @"\S+").Value;
        var html = Parser.ParseDocument(message.HtmlBody ?? "");
        var inHtml = html.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).FirstOrDefault(h => h is not null && h.StartsWith(publicPrefix, StringComparison.Ordinal));
        Assert.False(string.IsNullOrEmpty(inText), $"no {publicPrefix} link in the text part:\n{message.TextBody}");
        Assert.Equal(inText, inHtml);
        return new Uri(inText).PathAndQuery;
    }
}
