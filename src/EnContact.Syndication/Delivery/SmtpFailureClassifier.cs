using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Says what a failed send means, from the exception alone. Follows
/// <c>../shared/docs/research/mailkit-failures.md</c>: an SMTP reply is judged by its status code
/// (4xx = try again, 5xx = refused), and everything that has no status code because the
/// connection failed (refused, reset, closed, timed out) is transient.
/// </summary>
public static class SmtpFailureClassifier
{
    /// <summary>
    /// What the failure means for the message and its recipient.
    /// A caller's cancellation (<see cref="OperationCanceledException"/>) is not a send failure: it
    /// is classified <see cref="FailureKind.Transient"/> only so that a caller who asks anyway keeps
    /// the message queued for the next run; <see cref="IsTransient"/> says false for it so nothing
    /// retries a send the caller gave up (shutdown).
    /// </summary>
    public static FailureKind Classify(Exception e) => e switch
    {
        SmtpCommandException command => ClassifyReply(command),

        // MailKit maps 530/535 to these types rather than to SmtpCommandException: no message can go
        // out until the operator fixes the credentials.
        MailKit.Security.AuthenticationException or ServiceNotAuthenticatedException => FailureKind.Configuration,

        // A relay that cannot do what the settings ask: no STARTTLS, no AUTH mechanism we know, a
        // certificate we refuse. Retrying changes nothing; the messages wait for the operator.
        SslHandshakeException or NotSupportedException => FailureKind.Configuration,

        // No status code because the connection failed: refused (SocketException, not wrapped),
        // reset (IOException), closed (SmtpProtocolException), MailKit's own Timeout
        // (TimeoutException), or a client that an earlier failure disconnected. The same fault shows
        // up as more than one of these types, so the whole family is transient.
        SocketException or IOException or SmtpProtocolException or TimeoutException or ServiceNotConnectedException
            => FailureKind.Transient,

        // Polly refusing to call the relay: the circuit is open (relay down) or the rate limiter's
        // queue is full. The relay said nothing about this message.
        BrokenCircuitException or RateLimiterRejectedException => FailureKind.Transient,

        OperationCanceledException => FailureKind.Transient,

        // Anything else is unexpected. Transient, because wrongly calling a fault permanent loses the
        // message for good, while wrongly calling it transient costs a few attempts: the outbox gives
        // up after Delivery:MaxAttempts and records the error for the operator.
        _ => FailureKind.Transient,
    };

    /// <summary>Whether trying again soon may succeed: transient failures, except a caller's cancellation.</summary>
    public static bool IsTransient(Exception e) =>
        e is not OperationCanceledException && Classify(e) == FailureKind.Transient;

    private static FailureKind ClassifyReply(SmtpCommandException e)
    {
        var code = (int)e.StatusCode;
        if (code is >= 500 and < 600)
        {
            if (e.StatusCode == SmtpStatusCode.AuthenticationRequired)
                return FailureKind.Configuration; // 530 wherever it comes: our set-up, not this message
            if (e.ErrorCode == SmtpErrorCode.SenderNotAccepted)
                return FailureKind.Configuration; // 5xx at MAIL FROM: every message has the same From; keep them queued
            return e.ErrorCode == SmtpErrorCode.RecipientNotAccepted
                ? FailureKind.RecipientRejected   // 5xx at RCPT: this address, not the message
                : FailureKind.MessageRejected;    // 5xx at DATA or after the body
        }

        // 4xx asks us to come back later. Any other code (a 221 read because the relay was closing,
        // a 2xx/3xx where MailKit expected something else) is an unexpected reply, not a refusal.
        return FailureKind.Transient;
    }
}
