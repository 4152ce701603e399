using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>
/// A staff member's browser over real HTTP. It keeps cookies as a browser does on localhost, where
/// <c>Secure</c> cookies travel over plain http (HttpClient's own container never sends them without
/// TLS), and it fills and submits the forms of the pages it loaded, anti-forgery field included.
/// </summary>
public sealed class DeskBrowser : IDisposable
{
    private static readonly HtmlParser Parser = new();
    private readonly HttpClient _client;
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public DeskBrowser(Gateway gateway) =>
        _client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };

    public Page? Current { get; private set; }

    /// <summary>Every Set-Cookie header the browser received, as sent (for checking the flags).</summary>
    public List<string> SetCookies { get; } = [];

    public bool HasCookie(string name) => _cookies.ContainsKey(name);

    public Task<Page> GetAsync(string path, bool follow = true) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), follow);

    /// <summary>Submits the form whose action is <paramref name="action"/> (the first form when null) with its fields, changed by <paramref name="fields"/>.</summary>
    public Task<Page> SubmitAsync(string? action = null, params (string Name, string? Value)[] fields)
    {
        var page = Current ?? throw new InvalidOperationException("no page loaded");
        var form = page.Document.Forms.FirstOrDefault(f => action is null || f.GetAttribute("action") == action)
            ?? throw new Xunit.Sdk.XunitException($"the page has no form posting to {action}:\n{page.Html}");
        var values = new List<KeyValuePair<string, string>>();
        foreach (var input in form.Elements.OfType<IHtmlInputElement>())
        {
            if (input.Type is "checkbox" && !input.IsChecked || input.Type is "file")
                continue;
            if (input.Name is { Length: > 0 } name && (input.Type is "hidden" or "checkbox" || !string.IsNullOrEmpty(input.Value)))
                values.Add(new(name, input.Value));
        }
        foreach (var (name, value) in fields)
        {
            values.RemoveAll(v => v.Key == name);
            if (value is not null)
                values.Add(new(name, value));
        }
        var target = form.GetAttribute("action") is { Length: > 0 } a ? a : page.Response.RequestMessage!.RequestUri!.PathAndQuery;
        return PostAsync(target, new FormUrlEncodedContent(values));
    }

    /// <summary>The anti-forgery field of the current page's first form.</summary>
    public KeyValuePair<string, string> Csrf =>
        Current!.Document.QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>().Where(i => i.Name == "csrf").Select(i => new KeyValuePair<string, string>(i.Name!, i.Value)).First();

    public Task<Page> PostAsync(string path, HttpContent content, bool follow = true) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, follow);

    /// <summary>Opens a request with the browser's cookies, for streams read by the test itself.</summary>
    public Task<HttpResponseMessage> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        AddCookies(request);
        return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<Page> SendAsync(HttpRequestMessage request, bool follow)
    {
        for (var hops = 0; ; hops++)
        {
            AddCookies(request);
            var response = await _client.SendAsync(request);
            KeepCookies(response);
            if (follow && hops < 5 && response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther && response.Headers.Location is { } next)
            {
                request = new HttpRequestMessage(HttpMethod.Get, next);
                continue;
            }
            var html = await response.Content.ReadAsStringAsync();
            return Current = new Page(response.StatusCode, response, Parser.ParseDocument(html), html);
        }
    }

    private void AddCookies(HttpRequestMessage request)
    {
        if (_cookies.Count > 0)
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
    }

    private void KeepCookies(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var headers))
            return;
        foreach (var header in headers)
        {
            SetCookies.Add(header);
            var pair = header.Split(';')[0];
            var (name, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
            var expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase);
            if (expired || value.Length == 0)
                _cookies.Remove(name);
            else
                _cookies[name] = value;
        }
    }

    public void Dispose() => _client.Dispose();
}
