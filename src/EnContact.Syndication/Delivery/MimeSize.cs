using MimeKit;
using MimeKit.IO;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sizes as they travel, not as they are written: the composer sends each part quoted-printable
/// (<see cref="WireTemplate"/>), about 1.2 times its decoded size for French text. Mailbox providers
/// clip on what arrives (Gmail at about 102 KB). Measured with the composer's own encoding and CRLF
/// line ends, placeholders as written (before personal values are filled in).
/// </summary>
public static class MimeSize
{
    private const string HtmlPartHeaders = "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";

    /// <summary>Bytes of an HTML part as sent: its headers and its encoded content.</summary>
    public static long OfHtmlPart(string html) => HtmlPartHeaders.Length + WireTemplate.EncodedLength(html, html: true);

    /// <summary>Bytes of a whole message with these parts as sent (multipart/alternative, headers included, before personal values are filled in).</summary>
    public static long OfMessage(string subject, string text, string html)
    {
        // Fixed date and id: the same parts always measure the same.
        using var message = new MimeMessage { Subject = subject, Date = DateTimeOffset.UnixEpoch, MessageId = "0123456789abcdef0123456789abcdef@en-contact.com" };
        message.From.Add(new MailboxAddress("En-Contact", "newsletter@en-contact.com"));
        message.To.Add(new MailboxAddress("", "lecteur@exemple.fr"));
        message.Body = WireTemplate.Prepare(text, html).Fill(new Dictionary<string, string>(), null);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        using var counter = new MeasuringStream();
        message.WriteTo(format, counter);
        return counter.Length;
    }
}
