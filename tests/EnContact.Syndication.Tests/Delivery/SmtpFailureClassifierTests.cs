using System.Net.Sockets;
using EnContact.Syndication.Delivery;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// One case per row of the table in docs/delivery.md ("How a failed send is judged"), built from the exception types
/// and codes MailKit was measured to throw, plus the Polly rejections and the edge cases.
/// </summary>
public sealed class SmtpFailureClassifierTests
{
    private static readonly MailboxAddress Recipient = MailboxAddress.Parse("lecteur@example.com");

    public static TheoryData<string, Exception, FailureKind> ResearchTable => new()
    {
        { "451 at RCPT", new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.ErrorInProcessing, Recipient, "4.3.0 try again later"), FailureKind.Deferred },
        { "550 at RCPT", new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, Recipient, "5.1.1 user unknown"), FailureKind.Permanent },
        { "drop mid-DATA, RST", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)), FailureKind.Transient },
        { "drop mid-DATA, FIN", new SmtpProtocolException("The SMTP server has unexpectedly disconnected: End data with <CR><LF>.<CR><LF>"), FailureKind.Transient },
        { "421 after DATA", new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ServiceNotAvailable, "4.3.2 service shutting down"), FailureKind.Transient },
        { "452 after DATA", new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.InsufficientStorage, "4.3.1 insufficient storage"), FailureKind.Deferred },
        { "554 after DATA", new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "5.6.0 transaction failed"), FailureKind.Permanent },
        { "250 then close, FIN", new SmtpProtocolException("The SMTP server has unexpectedly disconnected: 2.0.0 OK"), FailureKind.Transient },
        { "250 then close, RST", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)), FailureKind.Transient },
        { "reply slower than Timeout", new TimeoutException("Operation timed out after 500 milliseconds", new TaskCanceledException()), FailureKind.Transient },
        { "relay outage, open connection", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)), FailureKind.Transient },
        { "connection refused", new SocketException((int)SocketError.ConnectionRefused), FailureKind.Transient },
        { "421 greeting", new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable, "4.7.0 too many connections"), FailureKind.Transient },
        { "send on a disconnected client", new ServiceNotConnectedException("The SmtpClient is not connected."), FailureKind.Transient },
        { "wrong password", new MailKit.Security.AuthenticationException("535: 5.7.8 Authentication credentials invalid", new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.AuthenticationInvalidCredentials, "5.7.8 Authentication credentials invalid")), FailureKind.Configuration },
        { "530 at MAIL FROM", new ServiceNotAuthenticatedException("5.7.0 Authentication required"), FailureKind.Configuration },
    };

    public static TheoryData<string, Exception, FailureKind> BeyondTheTable => new()
    {
        { "open circuit", new BrokenCircuitException("The circuit is now open"), FailureKind.Transient },
        { "isolated circuit", new IsolatedCircuitException("The circuit is manually held open"), FailureKind.Transient },
        { "rate limiter queue full", new RateLimiterRejectedException("The operation could not be executed because it was rejected by the rate limiter."), FailureKind.Transient },
        { "550 at MAIL FROM", new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.7.1 sender refused"), FailureKind.Configuration },
        { "554 to DATA", new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.TransactionFailed, "5.5.1 no valid recipients"), FailureKind.Permanent },
        { "530 as a reply", new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.AuthenticationRequired, "5.7.0 Authentication required"), FailureKind.Configuration },
        { "221 read while the relay closes", new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.ServiceClosingTransmissionChannel, "2.0.0 closing"), FailureKind.Transient },
        { "no STARTTLS", new NotSupportedException("The SMTP server does not support the STARTTLS extension."), FailureKind.Configuration },
        { "TLS handshake refused", new SslHandshakeException("An error occurred while attempting to establish an SSL or TLS connection."), FailureKind.Configuration },
        { "unknown failure", new InvalidOperationException("something nobody expected"), FailureKind.Transient },
    };

    [Theory]
    [MemberData(nameof(ResearchTable))]
    [MemberData(nameof(BeyondTheTable))]
    public void Classify_KnownFailure_MatchesItsMeaning(string fault, Exception failure, FailureKind expected)
    {
        Assert.True(expected == SmtpFailureClassifier.Classify(failure), $"{fault}: expected {expected}, got {SmtpFailureClassifier.Classify(failure)}");
    }

    [Theory]
    [MemberData(nameof(ResearchTable))]
    [MemberData(nameof(BeyondTheTable))]
    public void IsConnectionFault_KnownFailure_TrueExactlyForTransientKind(string fault, Exception failure, FailureKind kind)
    {
        Assert.True((kind == FailureKind.Transient) == SmtpFailureClassifier.IsConnectionFault(failure), fault);
    }

    [Fact]
    public void IsConnectionFault_CallerCancelled_IsFalseSoNothingRetriesAShutdown()
    {
        Assert.False(SmtpFailureClassifier.IsConnectionFault(new OperationCanceledException()));
        Assert.False(SmtpFailureClassifier.IsConnectionFault(new TaskCanceledException()));
    }

    public static TheoryData<int, string, BounceClass, bool> Refusals => new()
    {
        { 550, "5.1.1 <marie@exemple.fr>: Recipient address rejected: User unknown", BounceClass.Mailbox, true },
        { 550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", BounceClass.Mailbox, true },
        { 550, "5.2.1 The email account that you tried to reach is disabled", BounceClass.Mailbox, true },
        { 552, "5.2.2 The email account that you tried to reach is over quota", BounceClass.MailboxFull, false },
        { 550, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus", BounceClass.Policy, false },
        { 550, "5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)", BounceClass.Policy, false },
        { 554, "5.7.1 Message rejected as spam by Content Filtering", BounceClass.Policy, false },
        { 554, "5.6.0 transaction failed", BounceClass.Content, false },
        { 552, "5.3.4 Message size exceeds fixed limit", BounceClass.System, false },
        { 550, "5.4.1 Recipient address rejected: Access denied", BounceClass.System, false },
        { 550, "Requested action not taken: mailbox unavailable", BounceClass.Mailbox, true },
        { 550, "Rejected for policy reasons", BounceClass.Other, false },
        { 552, "Mailbox full", BounceClass.MailboxFull, false },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Judge_5xxAtRcpt_ClassifiedByEnhancedCode_OnlyAMissingMailboxSuppresses(int code, string reply, BounceClass expected, bool suppresses)
    {
        var failure = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, (SmtpStatusCode)code, Recipient, reply);

        var verdict = SmtpFailureClassifier.Judge(failure);

        Assert.Equal((FailureKind.Permanent, expected, suppresses), (verdict.Kind, verdict.Class, verdict.SuppressesAddress));
    }

    [Fact]
    public void Judge_MailboxRefusalAfterData_SuppressesToo()
    {
        var failure = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.1 unknown user");

        Assert.True(SmtpFailureClassifier.Judge(failure).SuppressesAddress);
    }

    [Fact]
    public void Classify_CallerCancelled_KeepsTheMessageQueued()
    {
        Assert.Equal(FailureKind.Transient, SmtpFailureClassifier.Classify(new OperationCanceledException()));
    }

    [Theory]
    [InlineData(SmtpStatusCode.MailboxBusy)]            // 450
    [InlineData(SmtpStatusCode.ErrorInProcessing)]      // 451
    [InlineData(SmtpStatusCode.InsufficientStorage)]    // 452
    [InlineData(SmtpStatusCode.MailboxUnavailable)]     // 550
    [InlineData(SmtpStatusCode.MailboxNameNotAllowed)]  // 553
    public void Classify_ReplyAtRcpt_DecidedByStatusCodeNotType(SmtpStatusCode status)
    {
        var failure = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, status, Recipient, "refused");

        var expected = (int)status < 500 ? FailureKind.Deferred : FailureKind.Permanent;
        Assert.Equal(expected, SmtpFailureClassifier.Classify(failure));
    }
}
