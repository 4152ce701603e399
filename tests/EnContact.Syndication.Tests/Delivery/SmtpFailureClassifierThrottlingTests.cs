using EnContact.Syndication.Delivery;
using MailKit.Net.Smtp;
using MimeKit;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>Throttling replies as relays and mailbox providers word them, against deferrals that only look alike.</summary>
public sealed class SmtpFailureClassifierThrottlingTests
{
    private static readonly MailboxAddress Recipient = MailboxAddress.Parse("lecteur@orange.fr");

    private static SmtpCommandException Reply(int code, string text, SmtpErrorCode where = SmtpErrorCode.RecipientNotAccepted) =>
        where == SmtpErrorCode.RecipientNotAccepted
            ? new SmtpCommandException(where, (SmtpStatusCode)code, Recipient, text)
            : new SmtpCommandException(where, (SmtpStatusCode)code, text);

    public static TheoryData<string, int, string, bool> Replies => new()
    {
        { "Amazon SES", 454, "Throttling failure: Maximum sending rate exceeded.", true },
        { "Amazon SES daily quota", 454, "Throttling failure: Daily message quota exceeded.", true },
        { "Gmail rate limited", 421, "4.7.28 [203.0.113.7] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.", true },
        { "Gmail try again later", 421, "4.7.0 Try again later, closing connection.", true },
        { "Gmail receiving too fast", 450, "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", true },
        { "Gmail too many recipients", 452, "4.5.3 Your message has too many recipients.", true },
        { "Microsoft server busy", 451, "4.7.500 Server busy. Please try again later from [203.0.113.7]. (S77714)", true },
        { "Microsoft rate limited", 451, "4.7.650 The mail server [203.0.113.7] has been temporarily rate limited due to IP reputation.", true },
        { "Yahoo TSS04", 421, "4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", true },
        { "Orange", 421, "mwinf5d40 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]", true },
        { "Postfix anvil", 421, "4.7.0 mx.example.com Error: too many connections from 203.0.113.7", true },
        { "421 greeting", 421, "4.7.0 too many connections", true },
        { "rate limit named", 451, "4.7.1 Rate limit exceeded for sender, try again in a minute", true },
        { "shutting down", 421, "4.3.2 service shutting down, closing transmission channel", false },
        { "plain deferral", 451, "4.3.0 try again later", false },
        { "greylisting", 450, "4.2.0 <lecteur@orange.fr>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/orange.fr.html", false },
        { "greylisting 4.7.1", 451, "4.7.1 Greylisting in action, please come back later", false },
        { "no hostname", 450, "4.7.1 Client host rejected: cannot find your hostname, [203.0.113.7]", false },
        { "storage", 452, "4.3.1 Insufficient system storage", false },
        { "permanent, even with the words", 550, "5.7.1 Too many invalid recipients", false },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void ThrottleOf_RealReply_RecognisesThrottling(string source, int code, string text, bool throttling)
    {
        var verdict = SmtpFailureClassifier.ThrottleOf(Reply(code, text), "orange.fr");

        Assert.True(throttling == verdict is not null, $"{source}: expected throttling {throttling}");
        if (verdict is not null)
            Assert.Equal($"{code} {text}", verdict.Reply);
    }

    [Fact]
    public void ThrottleOf_AfterDataOrAtGreeting_RecognisedWhereverItComes()
    {
        Assert.NotNull(SmtpFailureClassifier.ThrottleOf(Reply(454, "Throttling failure: Maximum sending rate exceeded.", SmtpErrorCode.MessageNotAccepted)));
        Assert.NotNull(SmtpFailureClassifier.ThrottleOf(Reply(421, "4.7.0 too many connections", SmtpErrorCode.UnexpectedStatusCode)));
    }

    [Theory]
    [InlineData("4.7.0 orange.fr: too many messages, slow down", "orange.fr")]
    [InlineData("4.7.0 Rate limit for [ORANGE.FR] reached", "orange.fr")]
    [InlineData("4.7.0 <lecteur@orange.fr>: too many messages", null)] // names the address only: the relay's own limit
    [InlineData("4.7.0 mx.orange.fr.example.net: too many messages", null)]
    [InlineData("4.7.0 too many messages from your IP", null)]
    public void ThrottleOf_ReplyNamingTheRecipientsDomain_ThrottlesThatDomain(string text, string? domain)
    {
        Assert.Equal(domain, SmtpFailureClassifier.ThrottleOf(Reply(451, text), "orange.fr")!.Domain);
    }

    [Fact]
    public void ThrottleOf_NotAnSmtpReply_IsNull()
    {
        Assert.Null(SmtpFailureClassifier.ThrottleOf(new IOException("Connection reset by peer")));
    }

    [Theory]
    [InlineData("lecteur@Orange.FR", "orange.fr")]
    [InlineData("sans-domaine", null)]
    public void DomainOf_Address_IsItsLowerCaseDomain(string address, string? domain) =>
        Assert.Equal(domain, SmtpFailureClassifier.DomainOf(address));
}
