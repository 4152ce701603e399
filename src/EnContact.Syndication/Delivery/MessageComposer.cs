using System.Net;
using System.Text;
using EnContact.Syndication.Hosting;
using MimeKit;
using MimeKit.Cryptography;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Turns a claimed outbox item into the MIME message that is sent: multipart/alternative (text and
/// HTML, UTF-8), From/To/Subject/Date, the deterministic Message-ID, List-Id, and on bulk mail
/// List-Unsubscribe (https + mailto) with List-Unsubscribe-Post (RFC 2369, RFC 8058); DKIM-signed
/// over those headers when a key is configured.
/// </summary>
public sealed class MessageComposer
{
    /// <summary>Headers the DKIM signature covers; RFC 8058 requires both unsubscribe headers among them.</summary>
    public static readonly string[] SignedHeaders =
        ["From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version", "Content-Type"];

    private readonly DeliveryOptions _delivery;
    private readonly TimeProvider _time;
    private readonly MailboxAddress _from;
    private readonly DkimSigner? _signer;

    public MessageComposer(IOptions<DeliveryOptions> delivery, IOptions<DkimOptions> dkim, IHostEnvironment environment, TimeProvider time)
    {
        _delivery = delivery.Value;
        _time = time;
        _from = MailboxAddress.Parse(_delivery.From);
        _signer = CreateSigner(dkim.Value, environment);
    }

    public bool Signs => _signer is not null;

    public MimeMessage Compose(OutboxItem item)
    {
        var message = new MimeMessage { Subject = Fill(item.Body.Subject, item.Variables, html: false) };
        // A new address object per message: MimeKit's address lists subscribe to their addresses'
        // change events, so one shared instance would keep every message ever sent alive (measured leak).
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        message.To.Add(new MailboxAddress(item.RecipientName ?? "", item.Recipient));
        message.Date = _time.GetUtcNow();
        message.MessageId = item.MessageId;
        if (item.Kind == MailKind.Bulk)
        {
            message.Headers.Add("List-Id", _delivery.ListId);
            var targets = new List<string>();
            if (item.UnsubscribeUrl is not null)
                targets.Add($"<{item.UnsubscribeUrl}>");
            if (!string.IsNullOrWhiteSpace(_delivery.UnsubscribeMailbox))
                targets.Add($"<mailto:{_delivery.UnsubscribeMailbox}?subject=unsubscribe%20{WebUtility.UrlEncode(item.Recipient)}>");
            if (targets.Count > 0)
                message.Headers.Add("List-Unsubscribe", string.Join(", ", targets));
            // One-click (RFC 8058) needs the https URL; a mailto alone cannot be POSTed to.
            if (item.UnsubscribeUrl is not null)
                message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        var body = new BodyBuilder
        {
            TextBody = Fill(item.Body.TextBody, item.Variables, html: false),
            HtmlBody = Fill(item.Body.HtmlBody, item.Variables, html: true),
        };
        message.Body = body.ToMessageBody();

        if (_signer is not null)
        {
            // Sign the exact bytes that will travel: 7-bit safe encodings first, or a relay may re-encode and break the signature.
            message.Prepare(EncodingConstraint.SevenBit);
            _signer.Sign(message, SignedHeaders.Where(h => message.Headers.Contains(h)).ToArray());
        }
        return message;
    }

    /// <summary>Replaces <c>{{name}}</c> with the recipient's value (HTML-encoded in HTML); unknown names stay as they are.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> variables, bool html)
    {
        if (variables.Count == 0 || !template.Contains("{{", StringComparison.Ordinal))
            return template;
        var result = new StringBuilder(template.Length + 64);
        var position = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var close = open < 0 ? -1 : template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (open < 0 || close < 0)
            {
                result.Append(template, position, template.Length - position);
                break;
            }
            result.Append(template, position, open - position);
            var name = template[(open + 2)..close].Trim();
            if (variables.TryGetValue(name, out var value))
                result.Append(html ? HtmlText.Encode(value) : value);
            else
                result.Append(template, open, close + 2 - open);
            position = close + 2;
        }
        return result.ToString();
    }

    private static DkimSigner? CreateSigner(DkimOptions dkim, IHostEnvironment environment)
    {
        if (!dkim.IsEnabled)
            return null;
        DkimSigner signer;
        if (!string.IsNullOrWhiteSpace(dkim.PrivateKey))
        {
            using var pem = new MemoryStream(Encoding.ASCII.GetBytes(dkim.PrivateKey));
            signer = new DkimSigner(pem, dkim.Domain!, dkim.Selector!);
        }
        else
        {
            signer = new DkimSigner(Path.GetFullPath(dkim.PrivateKeyPath!, environment.ContentRootPath), dkim.Domain!, dkim.Selector!);
        }
        signer.HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        signer.BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        signer.SignatureAlgorithm = DkimSignatureAlgorithm.RsaSha256;
        return signer;
    }
}
