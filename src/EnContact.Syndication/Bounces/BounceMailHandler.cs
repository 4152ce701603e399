using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Acts on what comes back to the bounce mailbox. A delivery report that says a message failed marks
/// that message bounced (judged by <see cref="SmtpFailureClassifier.JudgeReport"/>, the table refusals
/// at sending time use) and suppresses the address when the mailbox does not exist, or after
/// Delivery:SoftBounceEditions soft failures in a row; a complaint unsubscribes and suppresses the
/// reader; a mail to the unsubscribe mailbox's tokened address unsubscribes that reader, as the
/// one-click link does; auto-replies and challenges are understood and left alone. A report is tied
/// to a message we sent by the return path's token, else the enclosed Message-ID, else the recipient
/// it names; a forged token, or a report about mail we never sent, changes nothing.
/// Applying a report twice changes nothing more: every applied report is recorded under a key.
/// A message that cannot be read goes to a person with the reason; a storage failure is thrown, so
/// the reader keeps the message and hands it over again.
/// </summary>
public sealed class BounceMailHandler(
    BounceStore store,
    ReturnPath returnPath,
    SuppressionList suppressions,
    SubscriberStore subscribers,
    SubscriberTokens tokens,
    SubscriberMetrics subscriberMetrics,
    IOptions<DeliveryOptions> options,
    PersonalData personalData,
    ILogger<BounceMailHandler> logger) : IBounceMailHandler
{
    private readonly string? _unsubscribeMailbox =
        MailInput.TryNormalizeAddress("UnsubscribeMailbox", options.Value.UnsubscribeMailbox, out var mailbox, out _) ? mailbox : null;

    public async Task<BounceMailVerdict> HandleAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        MailReport report;
        try
        {
            report = MailReportReader.Read(message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("A returned message could not be read ({Error}); left for review", e.GetType().Name);
            return BounceMailVerdict.ForReview($"could not be read: {e.GetType().Name}: {e.Message}");
        }
        if (report.Problem is { } problem)
            return Review(problem);
        var incoming = IncomingIdOf(message);
        return report.Kind switch
        {
            ReportKind.DeliveryStatus => await DeliveryReportAsync(report, incoming, cancellationToken),
            ReportKind.Feedback => await ComplaintAsync(report, incoming, cancellationToken),
            _ when UnsubscribeTokenOf(report) is { } token => await UnsubscribeAsync(token, incoming, cancellationToken),
            ReportKind.AutoReply => BounceMailVerdict.Done($"auto-reply ({report.AutoReplySign}): nothing to do"),
            _ => Review("not a delivery report, a complaint, an unsubscribe request or an auto-reply"),
        };
    }

    private async Task<BounceMailVerdict> DeliveryReportAsync(MailReport report, string incoming, CancellationToken cancellationToken)
    {
        var failed = report.Recipients.Where(r => r.Failed).ToList();
        if (failed.Count == 0)
            return BounceMailVerdict.Done($"delivery report ({string.Join(", ", report.Recipients.Select(r => r.Action.ToLowerInvariant()).Distinct())}): nothing failed");
        var (matches, refusal) = await MatchFailuresAsync(report, failed, cancellationToken);
        if (refusal is not null)
            return Review(refusal);
        var outcomes = new List<string>();
        foreach (var (sent, recipient) in matches)
            outcomes.Add(await ApplyBounceAsync(sent, recipient, incoming, cancellationToken));
        return BounceMailVerdict.Done("delivery report: " + string.Join("; ", outcomes));
    }

    /// <summary>The message each failure is about: the token's, else the enclosed Message-ID's, else each recipient's latest.</summary>
    private async Task<(List<(SentMessage, RecipientReport)> Matches, string? Refusal)> MatchFailuresAsync(
        MailReport report, List<RecipientReport> failed, CancellationToken cancellationToken)
    {
        var (byId, refusal) = await MessageOfAsync(report, cancellationToken);
        if (refusal is not null)
            return ([], refusal);
        if (byId is not null)
            return ([(byId, failed.FirstOrDefault(r => Names(r, byId.Recipient)) ?? failed[0])], null);
        var matches = new List<(SentMessage, RecipientReport)>();
        foreach (var recipient in failed)
        {
            foreach (var address in new[] { recipient.OriginalRecipient, recipient.FinalRecipient })
            {
                if (!MailInput.TryNormalizeAddress("recipient", MailReportReader.BareAddress(address), out var normalized, out _))
                    continue;
                if (await store.LatestSentToAsync(normalized, cancellationToken) is { } sent)
                {
                    matches.Add((sent, recipient));
                    break;
                }
            }
        }
        return matches.Count == 0 ? ([], "the report names no message we sent (no token of ours, unknown Message-ID and recipients)") : (matches, null);
    }

    /// <summary>The message named by a return-path token or by the enclosed Message-ID; a refusal when the token is not ours or names nothing we sent.</summary>
    private async Task<(SentMessage? Sent, string? Refusal)> MessageOfAsync(MailReport report, CancellationToken cancellationToken)
    {
        foreach (var address in report.Addresses)
        {
            switch (returnPath.Read(address, out var messageId))
            {
                case ReturnPathToken.Forged:
                    return (null, "the return-path token was not signed by us (forged or altered): nothing changed");
                case ReturnPathToken.Valid:
                    return await store.FindByMessageIdAsync(messageId!, cancellationToken) is { } sent
                        ? (sent, null)
                        : (null, "the return-path token names no message the relay accepted: nothing changed");
            }
        }
        if (report.OriginalMessageId is { Length: > 0 and <= 200 } id && await store.FindByMessageIdAsync(id.Trim('<', '>'), cancellationToken) is { } original)
            return (original, null);
        return (null, null);
    }

    private async Task<string> ApplyBounceAsync(SentMessage sent, RecipientReport recipient, string incoming, CancellationToken cancellationToken)
    {
        var verdict = SmtpFailureClassifier.JudgeReport(recipient.Status, recipient.Diagnostic);
        var failureClass = FailureClassText.Of(verdict.Class);
        var key = EventKey(BounceEvent.DeliveryReport, incoming, sent.MessageKey, verdict.EnhancedCode ?? "");
        var who = personalData.LogId(sent.Recipient);
        if (await store.IsRecordedAsync(key, cancellationToken))
            return $"{who} {sent.Campaign}: already applied";
        var diagnostic = recipient.Diagnostic ?? recipient.Status ?? "no diagnostic";
        var error = $"bounced after delivery ({failureClass}, {verdict.EnhancedCode ?? "no status"}): {diagnostic}";
        await store.MarkBouncedAsync(sent, verdict.Class, error, cancellationToken);
        string outcome;
        if (verdict.SuppressesAddress)
        {
            await suppressions.SuppressAsync(sent.Recipient, $"hard bounce (delivery report): {verdict.EnhancedCode} {diagnostic}", cancellationToken);
            outcome = "address suppressed";
        }
        else if (sent.Kind == MailKind.Bulk
            && await suppressions.SuppressAfterSoftBouncesAsync(sent.Recipient, options.Value.SoftBounceEditions, unrecorded: 0, error, cancellationToken))
            outcome = $"address suppressed after {options.Value.SoftBounceEditions} editions in a row";
        else
            outcome = "address kept";
        await store.RecordAsync(key, BounceEvent.DeliveryReport, sent.Recipient, sent.Campaign, verdict.EnhancedCode, verdict.Class, diagnostic, $"{failureClass}: {outcome}", cancellationToken);
        logger.LogWarning("Delivery report: the {Campaign} message to {Recipient} bounced ({Class}, {Status}); {Outcome}",
            sent.Campaign, who, failureClass, verdict.EnhancedCode, outcome);
        return $"{who} {sent.Campaign} {failureClass} {verdict.EnhancedCode}: {outcome}";
    }

    private async Task<BounceMailVerdict> ComplaintAsync(MailReport report, string incoming, CancellationToken cancellationToken)
    {
        if (report.FeedbackType is not ("abuse" or "fraud"))
            return Review($"a feedback report of type '{report.FeedbackType}': only abuse and fraud complaints are acted on");
        var (sent, refusal) = await MessageOfAsync(report, cancellationToken);
        if (refusal is not null)
            return Review(refusal);
        if (sent is null && report.ComplainingRecipient is { } named && MailInput.TryNormalizeAddress("recipient", named, out var address, out _))
            sent = await store.LatestSentToAsync(address, cancellationToken);
        if (sent is null)
            return Review("the complaint names no message we sent (no token of ours, unknown Message-ID, no recipient)");
        var key = EventKey(BounceEvent.Complaint, incoming, sent.MessageKey, "");
        var who = personalData.LogId(sent.Recipient);
        if (await store.IsRecordedAsync(key, cancellationToken))
            return BounceMailVerdict.Done($"complaint about {who}: already applied");
        var reason = $"complaint ({report.FeedbackType} report{(report.ReportedBy is { } by ? " from " + by : "")})";
        if (await subscribers.FindAsync(sent.Recipient, cancellationToken) is { } subscriber)
        {
            if (subscriber.Status != SubscriberStatus.Unsubscribed)
                subscriberMetrics.Record(SubscriberMetrics.Unsubscribed);
            await subscribers.UnsubscribeAsync(subscriber.Id, reason, cancellationToken);
        }
        else
            await suppressions.SuppressAsync(sent.Recipient, reason, cancellationToken);
        await store.RecordAsync(key, BounceEvent.Complaint, sent.Recipient, sent.Campaign, null, null, report.ReportedBy, "unsubscribed and suppressed", cancellationToken);
        logger.LogWarning("Complaint about the {Campaign} message to {Recipient}: unsubscribed and suppressed", sent.Campaign, who);
        return BounceMailVerdict.Done($"complaint about {who} ({sent.Campaign}): unsubscribed and suppressed");
    }

    private string? UnsubscribeTokenOf(MailReport report) =>
        _unsubscribeMailbox is null ? null : report.Addresses.Select(a => TaggedAddress.TagOf(a, _unsubscribeMailbox)).FirstOrDefault(t => t is not null);

    /// <summary>As the one-click link: a token of ours unsubscribes its reader, even past its date (stopping mail is always safe).</summary>
    private async Task<BounceMailVerdict> UnsubscribeAsync(string token, string incoming, CancellationToken cancellationToken)
    {
        if (tokens.ReadCompact(token, TokenPurpose.Unsubscribe, out var claims) == TokenState.Invalid)
            return Review("a mail to the unsubscribe mailbox whose token was not signed by us: nobody unsubscribed");
        if (await subscribers.GetAsync(claims.SubscriberId, cancellationToken) is not { } subscriber)
            return BounceMailVerdict.Done("unsubscribe request for a subscriber who no longer exists (erased): nothing to do");
        var key = EventKey(BounceEvent.MailedUnsubscribe, incoming, claims.SubscriberId, "");
        if (await store.IsRecordedAsync(key, cancellationToken))
            return BounceMailVerdict.Done($"unsubscribe request of {claims.SubscriberId}: already applied");
        if (subscriber.Status != SubscriberStatus.Unsubscribed)
            subscriberMetrics.Record(SubscriberMetrics.Unsubscribed);
        await subscribers.UnsubscribeAsync(claims.SubscriberId, "unsubscribed (mail)", cancellationToken);
        await store.RecordAsync(key, BounceEvent.MailedUnsubscribe, subscriber.Address, null, null, null, null, "unsubscribed", cancellationToken);
        logger.LogInformation("Subscriber {Subscriber} unsubscribed ({How})", claims.SubscriberId, "mail");
        return BounceMailVerdict.Done($"subscriber {claims.SubscriberId} unsubscribed by mail");
    }

    private BounceMailVerdict Review(string reason)
    {
        logger.LogInformation("A returned message is left for review: {Reason}", reason);
        return BounceMailVerdict.ForReview(reason);
    }

    private static bool Names(RecipientReport report, string address) =>
        string.Equals(MailReportReader.BareAddress(report.FinalRecipient), address, StringComparison.Ordinal)
        || string.Equals(MailReportReader.BareAddress(report.OriginalRecipient), address, StringComparison.Ordinal);

    /// <summary>What identifies the returned message itself: its Message-ID, or (without one) its date, sender and subject.</summary>
    private static string IncomingIdOf(MimeMessage message) =>
        message.MessageId ?? $"{message.Headers["Date"]}|{message.Headers["From"]}|{message.Headers["Subject"]}";

    private static string EventKey(string kind, string incoming, string subject, string detail) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{incoming}\n{subject}\n{detail}")));
}
