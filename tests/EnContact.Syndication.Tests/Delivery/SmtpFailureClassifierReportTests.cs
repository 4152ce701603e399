using EnContact.Syndication.Delivery;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>Delivery reports are judged by the same table as refusals at sending time.</summary>
public sealed class SmtpFailureClassifierReportTests
{
    [Theory]
    [InlineData("5.1.1", "smtp; 550 5.1.1 user unknown", BounceClass.Mailbox, "5.1.1", true)]
    [InlineData("5.1.10", "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound", BounceClass.Mailbox, "5.1.10", true)]
    [InlineData("5.2.1", null, BounceClass.Mailbox, "5.2.1", true)]
    [InlineData("5.0.0", "smtp; 550 5.1.1 <x@exemple.fr>... No such user", BounceClass.Mailbox, "5.1.1", true)]
    [InlineData("5.2.2", "smtp; 552-5.2.2 over quota", BounceClass.MailboxFull, "5.2.2", false)]
    [InlineData("5.7.1", "smtp; 550 5.7.1 blocked by policy", BounceClass.Policy, "5.7.1", false)]
    [InlineData("5.7.26", "smtp; 550 5.7.26 DMARC", BounceClass.Policy, "5.7.26", false)]
    [InlineData("5.6.0", null, BounceClass.Content, "5.6.0", false)]
    [InlineData("5.4.7", null, BounceClass.System, "5.4.7", false)]
    [InlineData("4.4.7", "smtp; 451 4.4.7 delivery expired", BounceClass.System, "4.4.7", false)]
    [InlineData("4.2.1", null, BounceClass.Other, "4.2.1", false)] // gave up on a 4xx: never proof the mailbox is gone
    [InlineData(null, "smtp; 550 Requested action not taken: mailbox unavailable", BounceClass.Mailbox, "5.0.0", true)]
    [InlineData(null, "smtp; 552 Requested mail action aborted", BounceClass.MailboxFull, "5.0.0", false)]
    public void JudgeReport_ByEnhancedCode_AsAtSendingTime(string? status, string? diagnostic, BounceClass expected, string code, bool suppresses)
    {
        var verdict = SmtpFailureClassifier.JudgeReport(status, diagnostic);

        Assert.Equal((expected, code, suppresses), (verdict.Class, verdict.EnhancedCode, verdict.SuppressesAddress));
    }

    [Theory]
    [InlineData("5.1.1 user unknown")]
    [InlineData("5.2.2 mailbox full")]
    [InlineData("5.7.1 blocked")]
    [InlineData("5.6.0 content refused")]
    public void JudgeReport_SameCodeAsARefusal_SameClass(string reply)
    {
        var refusal = SmtpFailureClassifier.Judge(new MailKit.Net.Smtp.SmtpCommandException(
            MailKit.Net.Smtp.SmtpErrorCode.RecipientNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.MailboxUnavailable, reply));

        Assert.Equal(refusal.Class, SmtpFailureClassifier.JudgeReport(reply[..5], "smtp; 550 " + reply).Class);
    }
}
