using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace EnContact.Syndication.Delivery;

/// <summary>What a failed send means for the message, the connection and the address.</summary>
public enum FailureKind
{
    /// <summary>The connection or the relay failed (refused, dropped, timed out, 421, circuit open): reconnect and try again.</summary>
    Transient,
    /// <summary>The relay answered 4xx to this message or recipient: it goes back to the outbox with its own delay, the connection stays in use.</summary>
    Deferred,
    /// <summary>The relay refused for good (5xx): the message failed; its <see cref="BounceClass"/> says whether the address goes.</summary>
    Permanent,
    /// <summary>Our set-up is wrong (authentication, the sender refused, no TLS): nothing can go out; messages wait for the operator.</summary>
    Configuration,
}

/// <summary>Why a message failed for good, from the relay's enhanced status code (RFC 3463).</summary>
public enum BounceClass
{
    None,
    /// <summary>Unknown or disabled mailbox (5.1.x, 5.2.1): the address is suppressed at once.</summary>
    Mailbox,
    /// <summary>Mailbox full (5.2.2): the reader's mailbox, for now.</summary>
    MailboxFull,
    /// <summary>Policy, security or reputation (5.7.x): our reputation or the receiver's rules, not the reader's address.</summary>
    Policy,
    /// <summary>The content was refused (5.6.x, 5.2.3 too big).</summary>
    Content,
    /// <summary>The receiving system or the network (5.3.x, 5.4.x, 5.5.x).</summary>
    System,
    /// <summary>A refusal that says nothing more.</summary>
    Other,
}

/// <summary>The verdict on one failure: what to do with the message, and why it failed.</summary>
public readonly record struct SmtpVerdict(FailureKind Kind, BounceClass Class, string? EnhancedCode)
{
    /// <summary>Only an address that does not exist (or is disabled) is suppressed on the first refusal.</summary>
    public bool SuppressesAddress => Kind == FailureKind.Permanent && Class == BounceClass.Mailbox;
}

/// <summary>
/// The one place that says what a failed send means, from the exception alone (the table is in
/// <c>docs/delivery.md</c>, "How a failed send is judged"): an SMTP reply is judged by its codes (4xx =
/// later, 5xx = refused; the enhanced code, RFC 3463, says why), and everything that has no status
/// code because the connection failed (refused, reset, closed, timed out) is transient.
/// </summary>
public static partial class SmtpFailureClassifier
{
    public static FailureKind Classify(Exception e) => Judge(e).Kind;

    /// <summary>
    /// The verdict on <paramref name="e"/>. A caller's cancellation (<see cref="OperationCanceledException"/>)
    /// is not a send failure: it is judged transient only so that a caller who asks anyway keeps the
    /// message queued; <see cref="IsConnectionFault"/> says false for it so nothing retries a send the
    /// caller gave up (shutdown).
    /// </summary>
    public static SmtpVerdict Judge(Exception e) => e switch
    {
        SmtpCommandException command => JudgeReply(command),

        // MailKit maps 530/535 to these types rather than to SmtpCommandException: no message can go
        // out until the operator fixes the credentials.
        MailKit.Security.AuthenticationException or ServiceNotAuthenticatedException => new(FailureKind.Configuration, BounceClass.None, null),

        // A relay that cannot do what the settings ask: no STARTTLS, no AUTH mechanism we know, a
        // certificate we refuse. Retrying changes nothing; the messages wait for the operator.
        SslHandshakeException or NotSupportedException => new(FailureKind.Configuration, BounceClass.None, null),

        // Anything else has no status code because the connection failed (refused, reset, closed,
        // timed out, a client an earlier failure disconnected), Polly refused to call the relay
        // (circuit open, rate limiter full), or it was unexpected: transient. Wrongly calling a fault
        // permanent loses the message for good; wrongly calling it transient costs a few attempts.
        _ => new(FailureKind.Transient, BounceClass.None, null),
    };

    /// <summary>
    /// Whether the failure is the connection's or the relay's, not this message's: the only failures
    /// worth an immediate retry on a new connection, and the only ones that count against the relay's
    /// health (circuit breaker). A 4xx to a recipient is not one: retrying it at once only idles the connection.
    /// </summary>
    public static bool IsConnectionFault(Exception e) =>
        e is not OperationCanceledException && Classify(e) == FailureKind.Transient;

    /// <summary>The relay cannot be reached at all (refused, circuit open, 421), as opposed to refusing this message for now: waiting for it is not an attempt.</summary>
    public static bool IsRelayUnavailable(Exception e) => e switch
    {
        BrokenCircuitException => true,
        SocketException => true,
        ServiceNotConnectedException => true,
        SmtpCommandException command => command.StatusCode == SmtpStatusCode.ServiceNotAvailable,
        // A reset or drop on an open connection may be this message's doing: it counts as an attempt.
        _ => false,
    };

    /// <summary>A 4xx/5xx reply to MAIL, RCPT or the message, after which MailKit sent RSET: the connection is fine for the next message (421 closes it).</summary>
    public static bool LeavesConnectionUsable(SmtpCommandException e) =>
        (int)e.StatusCode is >= 400 and < 600 && e.StatusCode != SmtpStatusCode.ServiceNotAvailable;

    private static SmtpVerdict JudgeReply(SmtpCommandException e)
    {
        var code = (int)e.StatusCode;
        var enhanced = EnhancedCodeOf(e.Message);
        if (code is >= 500 and < 600)
        {
            if (e.StatusCode == SmtpStatusCode.AuthenticationRequired)
                return new(FailureKind.Configuration, BounceClass.None, enhanced); // 530 wherever it comes: our set-up
            if (e.ErrorCode == SmtpErrorCode.SenderNotAccepted)
                return new(FailureKind.Configuration, BounceClass.None, enhanced); // every message has the same sender
            return new(FailureKind.Permanent, ClassOf(enhanced, e), enhanced);
        }
        if (e.StatusCode == SmtpStatusCode.ServiceNotAvailable)
            return new(FailureKind.Transient, BounceClass.None, enhanced); // 421: the relay closes the connection
        // Any other 4xx asks us to come back later with this message. A code outside 4xx/5xx (a 221 read
        // because the relay was closing, a 2xx/3xx where MailKit expected something else) is not a refusal.
        return code is >= 400 and < 500
            ? new(FailureKind.Deferred, BounceClass.None, enhanced)
            : new(FailureKind.Transient, BounceClass.None, enhanced);
    }

    /// <summary>The class of a 5xx by its enhanced code; without one, by the basic code and the words of the reply.</summary>
    private static BounceClass ClassOf(string? enhanced, SmtpCommandException e) =>
        enhanced is not null
            ? ClassOfEnhancedCode(enhanced)
            : ClassOfBasicCode((int)e.StatusCode, e.ErrorCode == SmtpErrorCode.RecipientNotAccepted, e.Message);

    /// <summary>
    /// Why a message failed, by its enhanced status code (RFC 3463): the one table for a refusal at
    /// sending time and for a delivery report that comes back later.
    /// </summary>
    public static BounceClass ClassOfEnhancedCode(string enhanced)
    {
        var parts = enhanced.Split('.');
        if (parts.Length != 3)
            return BounceClass.Other;
        return (parts[1], parts[2]) switch
        {
            ("1", "7" or "8") => BounceClass.Policy, // the sender's address, not the reader's
            ("1", _) => BounceClass.Mailbox,
            ("2", "1") => BounceClass.Mailbox,
            ("2", "2") => BounceClass.MailboxFull,
            ("2", "3") => BounceClass.Content,
            ("3" or "4" or "5", _) => BounceClass.System,
            ("6", _) => BounceClass.Content,
            ("7", _) => BounceClass.Policy,
            _ => BounceClass.Other,
        };
    }

    /// <summary>Without an enhanced code: 552 is a full mailbox, 554 a refusal of the sender, a refused recipient whose words say it does not exist an unknown mailbox.</summary>
    private static BounceClass ClassOfBasicCode(int code, bool atRecipient, string text) => code switch
    {
        552 => BounceClass.MailboxFull,
        554 => BounceClass.Policy,
        _ when atRecipient && UnknownMailboxWords().IsMatch(text) => BounceClass.Mailbox,
        _ => BounceClass.Other,
    };

    /// <summary>
    /// The verdict on a recipient a delivery report (RFC 3464) says failed: its <c>Status</c> field,
    /// or a more precise code in its <c>Diagnostic-Code</c> when the status is only x.0.0, judged by
    /// the same table as a refusal at sending time. A report that failed on a 4.x.x (the receiving
    /// side gave up retrying) never suppresses at once: it says nothing certain about the mailbox.
    /// </summary>
    public static SmtpVerdict JudgeReport(string? status, string? diagnostic)
    {
        var code = status is null ? null : EnhancedCodeOf(status.Trim());
        if ((code is null || code.EndsWith(".0.0", StringComparison.Ordinal)) && diagnostic is not null && EnhancedCodeIn(diagnostic) is { } precise
            && (code is null || precise[0] == code[0]))
            code = precise;
        BounceClass failureClass;
        if (code is not null)
            failureClass = ClassOfEnhancedCode(code);
        else
        {
            var basic = diagnostic is null ? null : BasicCode().Match(diagnostic);
            failureClass = basic is { Success: true } ? ClassOfBasicCode(int.Parse(basic.Value), atRecipient: true, diagnostic!) : BounceClass.Other;
            code = basic is { Success: true } ? $"{basic.Value[0]}.0.0" : null;
        }
        if (code is not null && code[0] == '4' && failureClass == BounceClass.Mailbox)
            failureClass = BounceClass.Other;
        return new(FailureKind.Permanent, failureClass, code);
    }

    /// <summary>The first enhanced code anywhere in <paramref name="text"/> ("smtp; 550 5.1.1 &lt;x&gt;: unknown" → "5.1.1").</summary>
    public static string? EnhancedCodeIn(string text)
    {
        var match = EnhancedCodeAnywhere().Match(text);
        return match.Success ? match.Value : null;
    }

    /// <summary>"5.1.1" from "5.1.1 &lt;marie@exemple.fr&gt;: Recipient address rejected" (MailKit drops the basic code).</summary>
    public static string? EnhancedCodeOf(string reply)
    {
        var match = EnhancedCode().Match(reply);
        return match.Success ? match.Value : null;
    }

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}(?=\s|$)")]
    private static partial Regex EnhancedCode();

    [GeneratedRegex(@"(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?![\d.])")]
    private static partial Regex EnhancedCodeAnywhere();

    [GeneratedRegex(@"(?<![\d.])[45]\d\d(?![\d.])")]
    private static partial Regex BasicCode();

    [GeneratedRegex(@"unknown|no such|does not exist|doesn't exist|not found|invalid (recipient|mailbox|address)|mailbox unavailable|disabled|inactive|deactivated", RegexOptions.IgnoreCase)]
    private static partial Regex UnknownMailboxWords();
}
