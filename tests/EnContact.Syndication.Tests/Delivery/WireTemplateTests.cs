using System.Security.Cryptography;
using EnContact.Syndication.Delivery;
using MimeKit;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class WireTemplateTests
{
    private static readonly Dictionary<string, string> Values = new()
    {
        ["prenom"] = "Zoé <b>&  \"co\"",
        ["unsubscribe_url"] = "https://lettre.en-contact.com/desinscription?token=abc==&x=1",
        ["vide"] = "",
        ["lignes"] = "une\nligne  \ndeux\t",
    };

    public static TheoryData<string, string> Templates => new()
    {
        { "Bonjour {{prenom}},\nDésinscription : {{unsubscribe_url}}\n", "<p>Bonjour {{prenom}},</p><p><a href=\"{{unsubscribe_url}}\">Se désinscrire</a></p>" },
        { "{{prenom}}{{vide}}{{ prenom }}", "{{inconnu}} reste, {{prenom et {{lignes}} et }} {{" },
        { "sans variable   \n\n", "" },
        { new string('x', 74) + "{{prenom}}" + new string('y', 80) + "  {{lignes}}  ", string.Concat(Enumerable.Repeat("<td>  été  </td>\n", 200)) + "{{unsubscribe_url}}" },
    };

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Fill_ReadBackByMimeKit_GivesWhatFillGives(string text, string html)
    {
        var template = WireTemplate.Prepare(text, html);

        var received = await ParseAsync(template.Fill(Values, null));

        Assert.Equal(MessageComposer.Fill(text, Values, html: false).ReplaceLineEndings("\n"), (received.TextBody ?? "").ReplaceLineEndings("\n"));
        Assert.Equal(MessageComposer.Fill(html, Values, html: true).ReplaceLineEndings("\n"), (received.HtmlBody ?? "").ReplaceLineEndings("\n"));
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Fill_BodyHash_IsTheHashOfTheRelaxedBodyAsWritten(string text, string html)
    {
        var template = WireTemplate.Prepare(text, html);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        var body = template.Fill(Values, hash);

        // Independent of the pieces: the whole body as written, canonicalised line by line (RFC 6376 §3.4.4).
        using var written = new MemoryStream();
        var dos = FormatOptions.Default.Clone();
        dos.NewLineFormat = NewLineFormat.Dos;
        await body.WriteToAsync(dos, written, contentOnly: true);
        var lines = System.Text.Encoding.ASCII.GetString(written.ToArray()).Split("\r\n");
        var canonical = string.Concat(lines[..^1].Select(line => System.Text.RegularExpressions.Regex.Replace(line, "[ \t]+", " ").TrimEnd(' ') + "\r\n"));
        Assert.Equal("", lines[^1]);
        Assert.Equal(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(canonical)), hash.GetHashAndReset());
    }

    [Fact]
    public async Task WriteTo_NotContentOnly_WritesAnEntityMimeKitParses()
    {
        var body = WireTemplate.Prepare("texte {{prenom}}", "<p>html</p>").Fill(Values, null);
        using var stream = new MemoryStream();
        await body.WriteToAsync(stream);
        stream.Position = 0;

        var parsed = Assert.IsType<MultipartAlternative>(await MimeEntity.LoadAsync(stream));

        Assert.Equal(2, parsed.Count);
        Assert.Equal("texte Zoé <b>&  \"co\"", ((TextPart)parsed[0]).Text);
    }

    private static async Task<MimeMessage> ParseAsync(WireBody body)
    {
        using var message = new MimeMessage();
        message.From.Add(new MailboxAddress("", "a@en-contact.com"));
        message.Body = body;
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream);
        stream.Position = 0;
        return await MimeMessage.LoadAsync(stream);
    }
}
