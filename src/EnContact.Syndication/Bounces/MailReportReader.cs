using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Reads what came back to the bounce mailbox without reading all of it: the headers, the report
/// parts (each at most <see cref="ReportLimits.MaxReportPartBytes"/>), the enclosed original's
/// headers (never its body), and for a classic text bounce the first characters of its text. A report
/// that breaks these rules or has no recipient to speak of is returned with a <see cref="MailReport.Problem"/>.
/// </summary>
public static partial class MailReportReader
{
    /// <summary>Headers a delivery agent adds with the address the message was delivered to (where a sub-address token survives).</summary>
    private static readonly string[] DeliveryHeaders = ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Rcpt-To"];

    public static MailReport Read(MimeMessage message)
    {
        var addresses = DeliveryAddresses(message);
        var parts = Leaves(message.Body).ToList();
        if (FindReport(message.Body, 0) is { } report)
        {
            var type = report.ReportType?.ToLowerInvariant();
            return type switch
            {
                "delivery-status" => ReadDeliveryStatus(report, addresses),
                "feedback-report" => ReadFeedback(report, addresses),
                _ => new MailReport(ReportKind.Other) { Addresses = addresses, Problem = $"a multipart/report of type '{type}', not a delivery or feedback report" },
            };
        }
        if (message.Headers.Contains("X-Failed-Recipients"))
            return EximTextBounce.Read(message, parts, addresses);
        if (AutoReplies.SignOf(message) is { } sign)
            return new MailReport(ReportKind.AutoReply) { Addresses = addresses, AutoReplySign = sign };
        return new MailReport(ReportKind.Other) { Addresses = addresses };
    }

    private static MailReport ReadDeliveryStatus(MultipartReport report, List<string> addresses)
    {
        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault();
        if (status is null)
            return Malformed(addresses, "a delivery report without its message/delivery-status part");
        if (TooLarge(status))
            return Malformed(addresses, $"its message/delivery-status part is over {ReportLimits.MaxReportPartBytes / 1024} KB");
        var recipients = new List<RecipientReport>();
        string? reportedBy = null;
        try
        {
            var groups = status.StatusGroups;
            for (var i = 0; i < groups.Count; i++)
            {
                var fields = groups[i];
                if (i == 0)
                {
                    reportedBy = TypedValue(fields["Reporting-MTA"]);
                    if (!fields.Contains("Action"))
                        continue;
                }
                if (fields["Action"] is not { } action || recipients.Count >= ReportLimits.MaxRecipients)
                    continue;
                recipients.Add(new RecipientReport(TypedValue(fields["Final-Recipient"]), TypedValue(fields["Original-Recipient"]),
                    action.Trim(), fields["Status"]?.Trim(), TypedValue(fields["Diagnostic-Code"])));
            }
        }
        catch (FormatException e)
        {
            return Malformed(addresses, $"its delivery status could not be parsed ({e.Message})");
        }
        if (recipients.Count == 0)
            return Malformed(addresses, "a delivery report that names no recipient (no Action field)");
        var original = Original(report);
        return new MailReport(ReportKind.DeliveryStatus)
        {
            Addresses = addresses, Recipients = recipients, OriginalMessageId = original.MessageId, ReportedBy = reportedBy,
        };
    }

    private static MailReport ReadFeedback(MultipartReport report, List<string> addresses)
    {
        var feedback = report.OfType<MessageFeedbackReport>().FirstOrDefault();
        if (feedback is null)
            return Malformed(addresses, "a feedback report without its message/feedback-report part");
        if (TooLarge(feedback))
            return Malformed(addresses, $"its message/feedback-report part is over {ReportLimits.MaxReportPartBytes / 1024} KB");
        HeaderList fields;
        try
        {
            fields = feedback.Fields;
        }
        catch (FormatException e)
        {
            return Malformed(addresses, $"its feedback report could not be parsed ({e.Message})");
        }
        var type = fields["Feedback-Type"]?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(type))
            return Malformed(addresses, "a feedback report without a Feedback-Type");
        var original = Original(report);
        var envelope = new List<string>(addresses);
        foreach (var sender in new[] { fields["Original-Mail-From"], original.ReturnPath })
            if (BareAddress(sender) is { } address)
                envelope.Add(address);
        return new MailReport(ReportKind.Feedback)
        {
            Addresses = envelope, FeedbackType = type, OriginalMessageId = original.MessageId,
            ComplainingRecipient = BareAddress(fields["Original-Rcpt-To"]),
            ReportedBy = fields["Reported-Domain"]?.Trim() ?? fields["User-Agent"]?.Trim(),
        };
    }

    /// <summary>The Message-ID and Return-Path of the enclosed original (message/rfc822 or text/rfc822-headers): headers only.</summary>
    private static (string? MessageId, string? ReturnPath) Original(MultipartReport report)
    {
        foreach (var part in report.OfType<MessagePart>())
        {
            if (part.Message is not { } original)
                continue;
            return (original.MessageId, original.Headers["Return-Path"]);
        }
        // Some agents send the enclosed headers as text/plain: read its start only.
        foreach (var part in report.OfType<TextPart>().Skip(1))
        {
            var text = LimitedText(part, ReportLimits.MaxTextChars);
            if (MessageIdLine().Match(text) is { Success: true } id)
                return (id.Groups[1].Value, null);
        }
        return (null, null);
    }

    private static MultipartReport? FindReport(MimeEntity? entity, int depth)
    {
        if (entity is MultipartReport report)
            return report;
        if (entity is Multipart multipart && depth < 3)
            foreach (var child in multipart.Take(ReportLimits.MaxParts))
                if (FindReport(child, depth + 1) is { } found)
                    return found;
        return null;
    }

    /// <summary>The leaf parts of the message's own body (not of enclosed messages), at most <see cref="ReportLimits.MaxParts"/>.</summary>
    internal static IEnumerable<MimeEntity> Leaves(MimeEntity? entity)
    {
        var count = 0;
        var stack = new Stack<(MimeEntity Entity, int Depth)>();
        if (entity is not null)
            stack.Push((entity, 0));
        while (stack.Count > 0 && count < ReportLimits.MaxParts)
        {
            var (current, depth) = stack.Pop();
            count++;
            if (current is Multipart multipart)
            {
                if (depth < 4)
                    foreach (var child in multipart.Take(ReportLimits.MaxParts).Reverse())
                        stack.Push((child, depth + 1));
            }
            else
                yield return current;
        }
    }

    private static bool TooLarge(MimePart part) =>
        part.Content?.Stream is { CanSeek: true } stream && stream.Length > ReportLimits.MaxReportPartBytes;

    /// <summary>The start of a text part, decoded, at most <paramref name="maxChars"/> characters; never the whole part.</summary>
    internal static string LimitedText(TextPart part, int maxChars)
    {
        if (part.Content is null)
            return "";
        var encoding = part.ContentType.CharsetEncoding ?? Encoding.UTF8;
        using var stream = part.Content.Open();
        using var reader = new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        var buffer = new char[maxChars];
        var read = reader.ReadBlock(buffer, 0, maxChars);
        return new string(buffer, 0, read);
    }

    private static List<string> DeliveryAddresses(MimeMessage message)
    {
        var addresses = new List<string>();
        foreach (var mailbox in message.To.Mailboxes.Concat(message.Cc.Mailboxes).Take(20))
            addresses.Add(mailbox.Address);
        foreach (var header in message.Headers.Where(h => DeliveryHeaders.Contains(h.Field, StringComparer.OrdinalIgnoreCase)).Take(20))
            if (BareAddress(header.Value) is { } address)
                addresses.Add(address);
        return addresses;
    }

    /// <summary>"rfc822; marie@exemple.fr" → "marie@exemple.fr" (the address type of RFC 3464 fields dropped).</summary>
    internal static string? TypedValue(string? field)
    {
        if (string.IsNullOrWhiteSpace(field))
            return null;
        var semicolon = field.IndexOf(';');
        return (semicolon >= 0 ? field[(semicolon + 1)..] : field).Trim();
    }

    /// <summary>"&lt;rebonds+abc@x&gt;" or "rebonds+abc@x" → the address, lower-cased; null when it is none.</summary>
    internal static string? BareAddress(string? value)
    {
        var text = TypedValue(value)?.Trim().Trim('<', '>').Trim();
        return string.IsNullOrEmpty(text) || !text.Contains('@') || text.Length > 320 ? null : text.ToLowerInvariant();
    }

    private static MailReport Malformed(List<string> addresses, string problem) =>
        new(ReportKind.DeliveryStatus) { Addresses = addresses, Problem = problem };

    [GeneratedRegex(@"^Message-ID:\s*<([^>\r\n]+)>", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    internal static partial Regex MessageIdLine();
}
