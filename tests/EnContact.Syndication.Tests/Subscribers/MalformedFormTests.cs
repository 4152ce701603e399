using System.Net;
using System.Text;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// Hostile form posts on the public pages: too many values, a key too long, a multipart body cut
/// short. Each gets a 400 French page, is logged at Information without a stack trace, and changes nothing.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class MalformedFormTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in new[] { "subscribe", "confirm", "preferences", "unsubscribe" })
            foreach (var kind in new[] { "too-many-values", "long-key", "truncated-multipart" })
                data.Add(path, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PublicForm_Malformed_Is400FrenchPage_LoggedWithoutStack(string page, string kind)
    {
        var logs = new LogCapture();
        await using var gateway = await Gateway.CreateAsync(start: true, logs: logs, settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
        });
        var tokens = gateway.Services.GetRequiredService<SubscriberTokens>();
        var id = SubscriberStore.NewId();
        var path = page switch
        {
            "confirm" => "/confirm/" + tokens.Create(TokenPurpose.Confirm, id, TimeSpan.FromDays(1), "0123456789abcdef"),
            "preferences" => "/preferences/" + tokens.Create(TokenPurpose.Preferences, id, TimeSpan.FromDays(1)),
            "unsubscribe" => "/unsubscribe/" + tokens.Create(TokenPurpose.Unsubscribe, id, TimeSpan.FromDays(1)),
            _ => "/subscribe",
        };
        using var client = gateway.NewClient(null);

        using var response = await client.PostAsync(path, Body(kind));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lang=\"fr\"", html);
        Assert.Contains("Formulaire illisible", html);
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Error") || l.StartsWith("Critical") || l.Contains("   at "));
        Assert.Contains(logs.Lines, l => l.StartsWith("Information") && l.Contains("unreadable form", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logs.Lines, l => path.Length > 20 && l.Contains(path[^20..]));
        Assert.Null(await gateway.Services.GetRequiredService<SubscriberStore>().GetAsync(id, CancellationToken.None));
    }

    private static HttpContent Body(string kind)
    {
        switch (kind)
        {
            case "too-many-values":
                return new FormUrlEncodedContent(Enumerable.Range(0, 80).Select(i => new KeyValuePair<string, string>($"f{i}", "x")));
            case "long-key":
                return new FormUrlEncodedContent([new(new string('k', 150), "x"), new("email", "marie@exemple.fr")]);
            default:
                const string boundary = "----cut";
                var cut = $"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nmarie@exem";
                var content = new ByteArrayContent(Encoding.ASCII.GetBytes(cut));
                content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
                return content;
        }
    }
}
