using MimeKit;
using MimeKit.IO;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sizes as they travel, not as they are written: a UTF-8 HTML part goes out quoted-printable (or
/// base64) under a 7-bit constraint, which is what a DKIM-signed message uses, about 1.2 times its
/// decoded size for French text. Mailbox providers clip on what arrives (Gmail at about 102 KB).
/// </summary>
public static class MimeSize
{
    /// <summary>Bytes of an HTML part as sent: its headers and its encoded content.</summary>
    public static long OfHtmlPart(string html) => Measure(new TextPart("html") { Text = html });

    /// <summary>Bytes of a whole message with these parts as sent (multipart/alternative, headers included, before personal values are filled in).</summary>
    public static long OfMessage(string subject, string text, string html)
    {
        // Fixed date and id: the same parts always measure the same.
        using var message = new MimeMessage { Subject = subject, Date = DateTimeOffset.UnixEpoch, MessageId = "0123456789abcdef0123456789abcdef@en-contact.com" };
        message.From.Add(new MailboxAddress("En-Contact", "newsletter@en-contact.com"));
        message.To.Add(new MailboxAddress("", "lecteur@exemple.fr"));
        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        message.Prepare(EncodingConstraint.SevenBit);
        using var counter = new MeasuringStream();
        message.WriteTo(counter);
        return counter.Length;
    }

    private static long Measure(MimeEntity part)
    {
        part.Prepare(EncodingConstraint.SevenBit);
        using var counter = new MeasuringStream();
        part.WriteTo(counter);
        return counter.Length;
    }
}
