using System.Text.RegularExpressions;
using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Exim's classic bounce, plain text rather than RFC 3464: recognised only when it is safe to — an
/// <c>X-Failed-Recipients</c> header (Exim adds it to its own bounces) and the words "This is a
/// permanent error" in the first characters of the text. Each failed address gets the SMTP error the
/// text gives after it; the Message-ID comes from the copy of the original's headers at the end.
/// </summary>
public static partial class EximTextBounce
{
    public static MailReport Read(MimeMessage message, IReadOnlyList<MimeEntity> parts, List<string> addresses)
    {
        var failed = (message.Headers["X-Failed-Recipients"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(MailReportReader.BareAddress).OfType<string>().Take(ReportLimits.MaxRecipients).ToList();
        var text = parts.OfType<TextPart>().FirstOrDefault(p => p.IsPlain) is { } body ? MailReportReader.LimitedText(body, ReportLimits.MaxTextChars) : "";
        if (failed.Count == 0 || !text.Contains("permanent error", StringComparison.OrdinalIgnoreCase))
            return new MailReport(ReportKind.DeliveryStatus)
            {
                Addresses = addresses,
                Problem = "an X-Failed-Recipients text bounce that does not say the error is permanent (not Exim's classic form)",
            };
        var recipients = failed.Select(address =>
        {
            var at = text.IndexOf(address, StringComparison.OrdinalIgnoreCase);
            // The error is on the indented lines that follow the address, up to the next blank line.
            var end = at < 0 ? -1 : text.IndexOf("\n\n", at, StringComparison.Ordinal);
            var block = at < 0 ? "" : text[at..(end < 0 ? text.Length : end)];
            var error = ErrorLine().Match(block);
            var diagnostic = error.Success ? error.Value.Trim() : block.Trim();
            return new RecipientReport(address, null, "failed", Delivery.SmtpFailureClassifier.EnhancedCodeIn(diagnostic), diagnostic.Length == 0 ? null : diagnostic);
        }).ToList();
        var copy = text.IndexOf("This is a copy of the message", StringComparison.OrdinalIgnoreCase);
        var id = copy < 0 ? null : MailReportReader.MessageIdLine().Match(text, copy);
        return new MailReport(ReportKind.DeliveryStatus)
        {
            Addresses = addresses, Recipients = recipients, OriginalMessageId = id is { Success: true } ? id.Groups[1].Value : null,
            ReportedBy = message.From.Mailboxes.FirstOrDefault()?.Domain,
        };
    }

    [GeneratedRegex(@"(?<![\d.])[45]\d\d[ -].*", RegexOptions.Multiline)]
    private static partial Regex ErrorLine();
}
