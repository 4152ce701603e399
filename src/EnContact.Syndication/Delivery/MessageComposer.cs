using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Turns a claimed outbox item into the MIME message that is sent: multipart/alternative (text and
/// HTML, UTF-8), From/To/Subject/Date, the deterministic Message-ID, List-Id, and on bulk mail
/// List-Unsubscribe (https + mailto) with List-Unsubscribe-Post (RFC 2369, RFC 8058) and a Feedback-ID
/// (campaign:list:sender, for mailbox providers' complaint reports); DKIM-signed over those headers
/// when a key is configured. The body is prepared once per stored body (<see cref="WireTemplate"/>):
/// per reader only the values are encoded, and the DKIM body hash is taken from the prepared pieces
/// and those values, not from a second serialisation of the message.
/// </summary>
public sealed class MessageComposer : IDisposable
{
    /// <summary>Headers the DKIM signature covers when the message has them; RFC 8058 requires both unsubscribe headers among them.</summary>
    public static readonly string[] SignedHeaders =
        ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID"];

    /// <summary>
    /// Headers signed once more than they appear (RFC 6376 §8.15): the signature then also covers their
    /// absence, so nobody can add a second From or Subject, or an unsubscribe header to mail that has
    /// none, without breaking it.
    /// </summary>
    public static readonly string[] OverSignedHeaders = ["From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"];

    /// <summary>
    /// The per-recipient value that carries the reader's signed unsubscribe token for the mailto: of
    /// List-Unsubscribe (<c>desabonnement+&lt;token&gt;@…</c>): whoever mails that address unsubscribes
    /// that reader and nobody else. Without it, a message has no mailto: (an address in a subject would let anyone unsubscribe anyone).
    /// </summary>
    public const string UnsubscribeTokenVariable = "unsubscribe_mail_token";

    private readonly DeliveryOptions _delivery;
    private readonly string? _unsubscribeMailbox;
    private readonly TimeProvider _time;
    private readonly MailboxAddress _from;
    private readonly DkimSigning? _signer;
    private readonly DkimSigning? _ed25519;
    // Keyed by the body object: the outbox hands every message of an edition the same one, and a body nobody holds any more lets its preparation go.
    private readonly ConditionalWeakTable<MessageBody, WireTemplate> _templates = new();

    /// <summary>The header block as it travels (CRLF), which is what the signature covers.</summary>
    private static readonly FormatOptions WireFormat = CreateWireFormat();

    [ThreadStatic]
    private static IncrementalHash? t_bodyHash;

    [ThreadStatic]
    private static MemoryStream? t_headers;

    public MessageComposer(IOptions<DeliveryOptions> delivery, IOptions<DkimOptions> dkim, IHostEnvironment environment, TimeProvider time)
    {
        _delivery = delivery.Value;
        _time = time;
        _from = MailboxAddress.Parse(_delivery.From);
        _unsubscribeMailbox = MailInput.TryNormalizeAddress("UnsubscribeMailbox", _delivery.UnsubscribeMailbox, out var mailbox, out _) ? mailbox : null;
        (_signer, SigningKey) = CreateSigner(dkim.Value, environment);
        if (_signer is not null && dkim.Value.HasEd25519)
            _ed25519 = DkimSigning.Ed25519(ReadKey(dkim.Value.Ed25519PrivateKey, dkim.Value.Ed25519PrivateKeyPath, environment), dkim.Value.Domain!, dkim.Value.Ed25519Selector!);
    }

    /// <summary>The key every message is signed with; null when messages go unsigned (no key configured).</summary>
    public DkimKey? SigningKey { get; }

    /// <summary>The From address every message carries.</summary>
    public string FromAddress => _from.Address;

    public MimeMessage Compose(OutboxItem item)
    {
        var message = new MimeMessage { Subject = Fill(item.Body.Subject, item.Variables, html: false) };
        // A new address object per message: MimeKit's address lists subscribe to their addresses'
        // change events, so one shared instance would keep every message ever sent alive (measured leak).
        message.From.Add(new MailboxAddress(_from.Name, _from.Address));
        message.To.Add(new MailboxAddress(item.RecipientName ?? "", item.Recipient));
        message.Date = _time.GetUtcNow();
        message.MessageId = item.MessageId;
        // Bulk mail, and a test copy of it (transactional, so sent at once, but carrying a reader's unsubscribe token): the list's headers.
        if (item.Kind == MailKind.Bulk || item.Variables.ContainsKey(UnsubscribeTokenVariable))
        {
            message.Headers.Add("List-Id", _delivery.ListId);
            var targets = new List<string>();
            if (item.UnsubscribeUrl is not null)
                targets.Add($"<{item.UnsubscribeUrl}>");
            if (UnsubscribeMailtoOf(item) is { } mailto)
                targets.Add($"<{mailto}>");
            if (targets.Count > 0)
                message.Headers.Add("List-Unsubscribe", string.Join(", ", targets));
            // One-click (RFC 8058) needs the https URL; a mailto alone cannot be POSTed to.
            if (item.UnsubscribeUrl is not null)
                message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            message.Headers.Add("Feedback-ID", FeedbackId(item.Campaign));
        }

        // Already encoded for 7-bit transport, so no relay re-encodes it and breaks the signature.
        var template = _templates.GetValue(item.Body, static body => WireTemplate.Prepare(body.TextBody, body.HtmlBody));
        if (_signer is null)
        {
            message.Body = template.Fill(item.Variables, null);
            return message;
        }

        var hash = t_bodyHash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> bodyHash = stackalloc byte[32];
        try
        {
            message.Body = template.Fill(item.Variables, hash);
        }
        finally
        {
            hash.GetHashAndReset(bodyHash); // also when filling failed: the next message starts from a clean hash
        }
        var headers = t_headers ??= new MemoryStream(4096);
        headers.SetLength(0);
        message.WriteTo(WireFormat, headers, headersOnly: true);
        var block = headers.GetBuffer().AsSpan(0, (int)headers.Length);
        var signed = HeadersToSign(message);
        var now = _time.GetUtcNow();
        // Both signatures cover the same headers; the RSA one comes first, for receivers that read only one.
        if (_ed25519 is not null)
            message.Headers.Insert(0, _ed25519.Sign(block, signed, bodyHash, now));
        message.Headers.Insert(0, _signer.Sign(block, signed, bodyHash, now));
        return message;
    }

    public void Dispose()
    {
        _signer?.Dispose();
        _ed25519?.Dispose();
    }

    /// <summary>The mailto: that unsubscribes this message's reader, or null (no mailbox set, or no token for the reader).</summary>
    private string? UnsubscribeMailtoOf(OutboxItem item)
    {
        if (_unsubscribeMailbox is null || !item.Variables.TryGetValue(UnsubscribeTokenVariable, out var token)
            || token.Length != DeliverySetup.UnsubscribeTokenLength || !token.All(c => char.IsAsciiLetterLower(c) || c is >= '2' and <= '7'))
            return null;
        return $"mailto:{TaggedAddress.With(_unsubscribeMailbox, token)}?subject=unsubscribe";
    }

    /// <summary>The h= list: the signed headers the message has (Content-Type comes from its body), then the over-signed ones once more.</summary>
    public static string[] HeadersToSign(MimeMessage message) =>
        [.. SignedHeaders.Where(h => h == "Content-Type" || message.Headers.Contains(h)), .. OverSignedHeaders];

    /// <summary>"digest-2026-11-30-0800:lettre.en-contact.com:en-contact.com": the edition, the list, the sender (no ':' inside a field).</summary>
    public string FeedbackId(string campaign)
    {
        var list = _delivery.ListId[(_delivery.ListId.LastIndexOf('<') + 1)..].TrimEnd().TrimEnd('>');
        return string.Join(':', new[] { campaign, list, _from.Domain }.Select(field => field.Replace(':', '-')));
    }

    /// <summary>Replaces <c>{{name}}</c> with the recipient's value (HTML-encoded in HTML); unknown names stay as they are.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> variables, bool html)
    {
        if (variables.Count == 0 || !template.Contains("{{", StringComparison.Ordinal))
            return template;
        var (pieces, placeholders) = WireTemplate.Split(template, html);
        var result = new StringBuilder(template.Length + 64).Append(pieces[0]);
        for (var i = 0; i < placeholders.Count; i++)
        {
            var slot = placeholders[i];
            result.Append(variables.TryGetValue(slot.Name, out var value) ? html ? HtmlText.Encode(value) : value : slot.Literal).Append(pieces[i + 1]);
        }
        return result.ToString();
    }

    private static (DkimSigning? Signer, DkimKey? Key) CreateSigner(DkimOptions dkim, IHostEnvironment environment)
    {
        if (!dkim.IsEnabled)
            return (null, null);
        var signer = new DkimSigning(ReadKey(dkim.PrivateKey, dkim.PrivateKeyPath, environment), dkim.Domain!, dkim.Selector!);
        var publicKey = new RsaKeyParameters(false, new BigInteger(1, signer.PublicKey.Modulus), new BigInteger(1, signer.PublicKey.Exponent));
        return (signer, new DkimKey(dkim.Domain!, dkim.Selector!, publicKey));
    }

    /// <summary>The PEM text given, or else the file's (relative to the content root).</summary>
    private static string ReadKey(string? pem, string? path, IHostEnvironment environment) =>
        !string.IsNullOrWhiteSpace(pem) ? pem : File.ReadAllText(Path.GetFullPath(path!, environment.ContentRootPath));

    private static FormatOptions CreateWireFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
