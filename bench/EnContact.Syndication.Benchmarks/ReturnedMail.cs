using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace EnContact.Syndication.Benchmarks;

/// <summary>What comes back to the bounce mailbox for one message, written as the mail system that sends it writes it.</summary>
public enum ReturnKind
{
    /// <summary>Our relay's Postfix: the reader's server refused RCPT TO with 550 5.1.1; the original returned whole up to 50,000 bytes (bounce_size_limit), else its headers.</summary>
    PostfixUnknownUser,
    /// <summary>Exchange Online: 550 5.1.10 RecipientNotFound, an HTML notice, the original attached whole.</summary>
    Microsoft365NotFound,
    /// <summary>Exim: 550 5.1.1 in the diagnostic under a Status of 5.0.0, the original whole (return_size_limit 100 KB).</summary>
    EximNoSuchUser,
    /// <summary>Gmail: 552 5.2.2 over quota, the original's headers.</summary>
    GmailOverQuota,
    /// <summary>Our relay's Postfix giving up after its queue lifetime on 452 4.2.2 (mailbox full): Action failed, the original as for 5.1.1.</summary>
    PostfixMailboxFullExpired,
    /// <summary>A mailbox provider's ARF abuse report (Yahoo's layout, the recipient redacted), the original whole.</summary>
    Complaint,
    /// <summary>Postfix's "still being retried" warning (Action: delayed, 4.4.1): nothing failed.</summary>
    PostfixDelayWarning,
    /// <summary>An out-of-office reply (Sieve vacation, or Exchange's with its HTML part).</summary>
    AutoReply,
    /// <summary>The reader's mail client writing to the List-Unsubscribe mailto: (Gmail's "unsubscribe" button).</summary>
    MailedUnsubscribe,
}

/// <summary>What the gateway must have done for the reader once its report is handled.</summary>
public enum ExpectedOutcome
{
    /// <summary>Message failed (mailbox), address suppressed, subscriber left active (the address is what is dead).</summary>
    Suppressed,
    /// <summary>Message failed (mailbox-full), address kept: one soft bounce is below Delivery:SoftBounceEditions.</summary>
    SoftBounced,
    /// <summary>Subscriber unsubscribed and suppressed; the message stays sent.</summary>
    Unsubscribed,
    /// <summary>Nothing changed: message sent, subscriber active, no suppression, no bounce event.</summary>
    Untouched,
}

/// <summary>
/// Writes the report a reader's message earns, from the message the gateway really sent and its real
/// envelope sender (the VERP return path), in the layouts real mail systems use, with what they enclose
/// of the original. The mix over readers is fixed by the reader's number (per hundred: 60 Postfix 5.1.1,
/// 10 Exchange Online 5.1.10, 5 Exim 5.1.1, 5 Gmail 5.2.2, 5 Postfix 4.2.2 expired, 5 complaints,
/// 3 delay warnings, 4 auto-replies, 3 mailed unsubscribes).
/// </summary>
public static class ReturnedMail
{
    /// <summary>Postfix's default bounce_size_limit: a bigger original comes back as its headers only.</summary>
    public const int PostfixBounceSizeLimit = 50_000;

    public static ReturnKind KindOf(int reader) => (reader % 100) switch
    {
        < 60 => ReturnKind.PostfixUnknownUser,
        < 70 => ReturnKind.Microsoft365NotFound,
        < 75 => ReturnKind.EximNoSuchUser,
        < 80 => ReturnKind.GmailOverQuota,
        < 85 => ReturnKind.PostfixMailboxFullExpired,
        < 90 => ReturnKind.Complaint,
        < 93 => ReturnKind.PostfixDelayWarning,
        < 97 => ReturnKind.AutoReply,
        _ => ReturnKind.MailedUnsubscribe,
    };

    public static ExpectedOutcome OutcomeOf(ReturnKind kind) => kind switch
    {
        ReturnKind.PostfixUnknownUser or ReturnKind.Microsoft365NotFound or ReturnKind.EximNoSuchUser => ExpectedOutcome.Suppressed,
        ReturnKind.GmailOverQuota or ReturnKind.PostfixMailboxFullExpired => ExpectedOutcome.SoftBounced,
        ReturnKind.Complaint or ReturnKind.MailedUnsubscribe => ExpectedOutcome.Unsubscribed,
        _ => ExpectedOutcome.Untouched,
    };

    /// <summary>The kind of <c>bounce_events</c> row the report leaves, or null for none.</summary>
    public static string? EventKindOf(ReturnKind kind) => OutcomeOf(kind) switch
    {
        ExpectedOutcome.Suppressed or ExpectedOutcome.SoftBounced => "dsn",
        ExpectedOutcome.Unsubscribed => kind == ReturnKind.Complaint ? "complaint" : "unsubscribe",
        _ => null,
    };

    private static readonly FormatOptions Wire = WireFormat();

    private static FormatOptions WireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    /// <summary>The report for reader number <paramref name="reader"/>, whose message <paramref name="sent"/> left with envelope sender <paramref name="envelope"/>.</summary>
    public static byte[] Write(int reader, MimeMessage sent, string envelope, DateTimeOffset sentAt)
    {
        using var original = new MemoryStream();
        sent.WriteTo(Wire, original);
        var mail = new Mail(reader, sent, envelope, sentAt, original.ToArray());
        return KindOf(reader) switch
        {
            ReturnKind.PostfixUnknownUser => mail.Postfix(failed: true, "5.1.1", "550 5.1.1 <{0}>: Recipient address rejected: User unknown in local\r\n    recipient table"),
            ReturnKind.PostfixMailboxFullExpired => mail.Postfix(failed: true, "4.2.2", "452 4.2.2 <{0}>: Mailbox full"),
            ReturnKind.PostfixDelayWarning => mail.Postfix(failed: false, "4.4.1", null),
            ReturnKind.Microsoft365NotFound => mail.Microsoft365(),
            ReturnKind.EximNoSuchUser => mail.Exim(),
            ReturnKind.GmailOverQuota => mail.Gmail(),
            ReturnKind.Complaint => mail.Arf(),
            ReturnKind.AutoReply => mail.AutoReply(),
            _ => mail.Unsubscribe(),
        };
    }

    /// <summary>One report being written: the sent message's facts, and the text and enclosed original as bytes.</summary>
    private sealed class Mail(int reader, MimeMessage sent, string envelope, DateTimeOffset sentAt, byte[] original)
    {
        private readonly MemoryStream _out = new();
        private readonly string _recipient = sent.To.Mailboxes.First().Address;
        private readonly string _messageId = sent.MessageId ?? throw new InvalidOperationException("a sent message without a Message-ID");
        private readonly string _queueId = string.Create(CultureInfo.InvariantCulture, $"4Y{reader * 7919 % 0xFFFFFF:X6}z{reader % 97:D2}");
        private readonly string _domain = sent.To.Mailboxes.First().Domain;
        /// <summary>The reader as a From header (RFC 2047 where the name needs it).</summary>
        private readonly string _reader = sent.To.Mailboxes.First().ToString(true);

        /// <summary>A subject line built on the sent one, encoded as mail clients encode it.</summary>
        private static string Subject(string? text) => Encoding.ASCII.GetString(Rfc2047.EncodeText(Encoding.UTF8, text ?? ""));

        private string Date(TimeSpan after) => DateUtils.FormatDate(sentAt + after);

        private string Received => $"""
            Received: from gateway.en-contact.com (gateway.en-contact.com [192.0.2.10])
            	by relay.en-contact.com (Postfix) with ESMTPS id {_queueId}
            	for <{_recipient}>; {Date(TimeSpan.FromSeconds(1))}

            """.ReplaceLineEndings("\r\n");

        private byte[] Headers => original.AsSpan(0, HeaderEnd() + 2).ToArray();

        private int HeaderEnd()
        {
            var end = original.AsSpan().IndexOf("\r\n\r\n"u8);
            return end < 0 ? original.Length - 2 : end;
        }

        private void Text(string text) => _out.Write(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n")));

        /// <summary>The original as our relay queued it: its Received line, then the message.</summary>
        private void Original(bool whole)
        {
            Text(Received);
            _out.Write(whole ? original : Headers);
        }

        private byte[] Done() => _out.ToArray();

        public byte[] Postfix(bool failed, string status, string? reply)
        {
            var whole = failed && original.Length + Received.Length <= PostfixBounceSizeLimit;
            var boundary = $"{_queueId}.{sentAt.ToUnixTimeSeconds() + 5}/relay.en-contact.com";
            var diagnostic = reply is null ? null : string.Format(CultureInfo.InvariantCulture, reply, _recipient);
            var at = failed && status[0] == '4' ? TimeSpan.FromDays(5) : failed ? TimeSpan.FromSeconds(3) : TimeSpan.FromHours(4);
            Text($"""
                Return-Path: <>
                Delivered-To: {envelope}
                Received: by relay.en-contact.com (Postfix)
                	id {_queueId}0B; {Date(at)}
                Date: {Date(at)}
                From: MAILER-DAEMON@relay.en-contact.com (Mail Delivery System)
                Subject: {(failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)")}
                To: {envelope}
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status;
                	boundary="{boundary}"
                Content-Transfer-Encoding: 8bit
                Message-Id: <{(sentAt + at).UtcDateTime:yyyyMMddHHmmss}.{_queueId}0B@relay.en-contact.com>

                This is a MIME-encapsulated message.

                --{boundary}
                Content-Description: Notification
                Content-Type: text/plain; charset=us-ascii

                This is the mail system at host relay.en-contact.com.


                """);
            if (failed)
                Text($"""
                    I'm sorry to have to inform you that your message could not
                    be delivered to one or more recipients. It's attached below.

                    For further assistance, please send mail to postmaster.

                    If you do so, please include this problem report. You can
                    delete your own text from the attached returned message.

                                       The mail system

                    <{_recipient}>: host mx1.{_domain}[198.51.100.25] said: {diagnostic} (in reply to RCPT TO command)

                    """);
            else
                Text($"""
                    ####################################################################
                    # THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
                    ####################################################################

                    Your message could not be delivered for more than 4 hour(s).
                    It will be retried until it is 5 day(s) old.

                    For further assistance, please send mail to postmaster.

                                       The mail system

                    <{_recipient}>: connect to mx1.{_domain}[198.51.100.25]:25: Connection timed out

                    """);
            Text($"""

                --{boundary}
                Content-Description: Delivery report
                Content-Type: message/delivery-status

                Reporting-MTA: dns; relay.en-contact.com
                X-Postfix-Queue-ID: {_queueId}
                X-Postfix-Sender: rfc822; {envelope}
                Arrival-Date: {Date(TimeSpan.FromSeconds(1))}

                Final-Recipient: rfc822; {_recipient}
                Original-Recipient: rfc822;{_recipient}
                Action: {(failed ? "failed" : "delayed")}
                Status: {status}

                """);
            Text(failed
                ? $"""
                    Remote-MTA: dns; mx1.{_domain}
                    Diagnostic-Code: smtp; {diagnostic}

                    """
                : $"""
                    Diagnostic-Code: X-Postfix; connect to mx1.{_domain}[198.51.100.25]:25: Connection
                        timed out
                    Will-Retry-Until: {Date(TimeSpan.FromDays(5))}

                    """);
            Text($"""

                --{boundary}
                Content-Description: {(whole ? "Undelivered Message" : failed ? "Undelivered Message Headers" : "Delayed Message Headers")}
                Content-Type: {(whole ? "message/rfc822" : "text/rfc822-headers")}
                Content-Transfer-Encoding: 8bit


                """);
            Original(whole);
            Text($"\r\n--{boundary}--\r\n");
            return Done();
        }

        public byte[] Microsoft365()
        {
            var (outer, inner) = ($"_{reader:D8}_AM0PR01MB1234EURP_", $"_{reader:D8}_AM0PR01MB1234EURP_alt_");
            // Exchange's notice is a styled table of several rows; its size, not its words, is what matters here.
            var notice = string.Concat(new[] { "Action Required", "Unknown To address", "How to Fix It", "The address may be misspelled or may not exist.", "Retype the recipient's address, then resend the message.", "If you're using the Auto-Complete List and the address is wrong, remove it." }
                .Select(line => $"<tr><td style=3D\"font-family:'Segoe UI',Frutiger,Arial,sans-serif;font-size:14px;color:#333;padding:4px 0\">{line}</td></tr>\r\n"));
            Text($"""
                Delivered-To: {envelope}
                From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@{_domain}>
                To: <{envelope}>
                Date: {Date(TimeSpan.FromSeconds(4))}
                Content-Type: multipart/report; report-type=delivery-status;
                	boundary="{outer}"
                Content-Transfer-Encoding: 8bit
                MIME-Version: 1.0
                Message-ID: <{IdFor(reader)}@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
                In-Reply-To: <{_messageId}>
                References: <{_messageId}>
                Thread-Topic: {Subject(sent.Subject)}
                Subject: {Subject("Undeliverable: " + sent.Subject)}
                Auto-Submitted: auto-replied
                X-MS-PublicTrafficType: Email
                X-MS-Exchange-Message-Is-Ndr:
                X-MS-Exchange-Organization-SCL: -1

                --{outer}
                Content-Type: multipart/alternative; differences=Content-Type;
                	boundary="{inner}"

                --{inner}
                Content-Type: text/plain; charset="us-ascii"
                Content-Transfer-Encoding: quoted-printable

                Your message to {_recipient} couldn't be delivered.
                {_recipient.Split('@')[0]} wasn't found at {_domain}.

                Action Required
                Unknown To address

                How to Fix It
                The address may be misspelled or may not exist. Try one or more of the following:
                - Retype the recipient's address, then resend the message.
                - If you're using the Auto-Complete List and the address is wrong, remove it.

                Diagnostic information for administrators:
                Generating server: AM0PR01MB1234.eurprd01.prod.exchangelabs.com
                {_recipient}
                Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipien=
                t not found by SMTP address lookup'

                --{inner}
                Content-Type: text/html; charset="us-ascii"
                Content-Transfer-Encoding: quoted-printable

                <html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3Dus-ascii"></head><body>
                <p>Your message to <a href=3D"mailto:{_recipient}">{_recipient}</a> couldn't be delivered.</p>
                <table width=3D"710" style=3D"border-spacing:0;border-collapse:collapse">
                {notice}</table>
                <p style=3D"font-family:'Segoe UI',Frutiger,Arial,sans-serif;font-size:16px">{_recipient.Split('@')[0]} wasn't found at {_domain}.</p>
                <p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p>
                </body></html>

                --{inner}--

                --{outer}
                Content-Type: message/delivery-status

                Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com
                Received-From-MTA: dns;relay.en-contact.com
                Arrival-Date: {Date(TimeSpan.FromSeconds(2))}

                Original-Recipient: rfc822;{_recipient}
                Final-Recipient: rfc822;{_recipient}
                Action: failed
                Status: 5.1.10
                Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

                --{outer}
                Content-Type: message/rfc822
                Content-Transfer-Encoding: 8bit


                """);
            Original(whole: true);
            Text($"\r\n--{outer}--\r\n");
            return Done();
        }

        public byte[] Exim()
        {
            var boundary = $"{sentAt.ToUnixTimeSeconds() + 9}-eximdsn-{reader * 7919 % 2147483647}";
            Text($"""
                Return-path: <>
                Envelope-to: {envelope}
                Delivery-date: {Date(TimeSpan.FromSeconds(9))}
                From: Mail Delivery System <Mailer-Daemon@smtp.{_domain}>
                To: {envelope}
                References: <{_messageId}>
                Content-Type: multipart/report; report-type=delivery-status; boundary={boundary}
                MIME-Version: 1.0
                Subject: Mail delivery failed: returning message to sender
                Message-Id: <E1tXyZ0-{reader:X6}-2C@smtp.{_domain}>
                Date: {Date(TimeSpan.FromSeconds(9))}
                Auto-Submitted: auto-replied

                --{boundary}
                Content-type: text/plain; charset=us-ascii

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. This is a permanent error. The following address(es) failed:

                  {_recipient}
                    host mx.{_domain} [198.51.100.7]
                    SMTP error from remote mail server after RCPT TO:<{_recipient}>:
                    550 5.1.1 <{_recipient}>... No such user

                --{boundary}
                Content-type: message/delivery-status

                Reporting-MTA: dns; smtp.{_domain}

                Action: failed
                Final-Recipient: rfc822;{_recipient}
                Status: 5.0.0
                Remote-MTA: dns; mx.{_domain}
                Diagnostic-Code: smtp; 550 5.1.1 <{_recipient}>... No such user

                --{boundary}
                Content-type: message/rfc822

                Return-path: <{envelope}>

                """);
            Original(whole: true);
            Text($"\r\n--{boundary}--\r\n");
            return Done();
        }

        public byte[] Gmail()
        {
            var boundary = $"0000000000{reader * 7919 % 0xFFFFFF:x6}0718";
            Text($"""
                Delivered-To: {envelope}
                Return-Path: <>
                Received: by 2002:a05:6a10:9e8c:b0:5a1:7c2:1b2e with SMTP id {_queueId};
                        {Date(TimeSpan.FromSeconds(2))}
                Date: {Date(TimeSpan.FromSeconds(2))}
                From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
                To: {envelope}
                Auto-Submitted: auto-replied
                Subject: Delivery Status Notification (Failure)
                References: <{_messageId}>
                In-Reply-To: <{_messageId}>
                X-Failed-Recipients: {_recipient}
                Message-ID: <6747e1a8.170a0220.{reader:x6}.0a1b.GMR@mx.google.com>
                MIME-Version: 1.0
                Content-Type: multipart/report; boundary="{boundary}"; report-type=delivery-status

                --{boundary}
                Content-Type: text/plain; charset="UTF-8"

                ** Message not delivered **

                Your message couldn't be delivered to {_recipient} because the remote server's mailbox is full.

                The response was:
                552 5.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm

                --{boundary}
                Content-Type: message/delivery-status

                Reporting-MTA: dns; googlemail.com
                Arrival-Date: {Date(TimeSpan.FromSeconds(1))}
                X-Original-Message-ID: <{_messageId}>

                Final-Recipient: rfc822; {_recipient}
                Action: failed
                Status: 5.2.2
                Diagnostic-Code: smtp; 552-5.2.2 The email account that you tried to reach is over quota.
                Last-Attempt-Date: {Date(TimeSpan.FromSeconds(2))}

                --{boundary}
                Content-Type: text/rfc822-headers


                """);
            Original(whole: false);
            Text($"\r\n--{boundary}--\r\n");
            return Done();
        }

        public byte[] Arf()
        {
            var boundary = $"----=_Part_{reader}_{sentAt.ToUnixTimeSeconds()}_arf";
            Text($"""
                Return-Path: <feedback@arf.mail.yahoo.com>
                Delivered-To: {envelope}
                Received: from mta1001.mail.ir2.yahoo.com (mta1001.mail.ir2.yahoo.com [203.0.113.40])
                	by mx.lettre.en-contact.com (Postfix) with ESMTPS id {_queueId}A;
                	{Date(TimeSpan.FromHours(2))}
                From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>
                To: {envelope}
                Subject: {Subject("FW: " + sent.Subject)}
                Date: {Date(TimeSpan.FromHours(2))}
                Message-ID: <{IdFor(reader):N}.{sentAt.ToUnixTimeSeconds()}@arf.mail.yahoo.com>
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report; boundary="{boundary}"

                --{boundary}
                Content-Type: text/plain; charset=us-ascii

                This is an email abuse report for an email message received from IP 192.0.2.10 on {Date(TimeSpan.FromSeconds(2))}.
                For more information about this format please see http://www.mipassoc.org/arf/.

                --{boundary}
                Content-Type: message/feedback-report

                Feedback-Type: abuse
                User-Agent: Yahoo!-Mail-Feedback/2.0
                Version: 1
                Original-Mail-From: <{envelope}>
                Original-Rcpt-To: <redacted>
                Arrival-Date: {Date(TimeSpan.FromSeconds(2))}
                Reported-Domain: en-contact.com
                Authentication-Results: mta1001.mail.ir2.yahoo.com; dkim=pass header.d=en-contact.com; spf=pass smtp.mailfrom=lettre.en-contact.com

                --{boundary}
                Content-Type: message/rfc822
                Content-Transfer-Encoding: 8bit

                Return-Path: <{envelope}>

                """);
            Original(whole: true);
            Text($"\r\n--{boundary}--\r\n");
            return Done();
        }

        public byte[] AutoReply()
        {
            if (reader % 2 == 0)
            {
                Text($"""
                    Return-Path: <{_recipient}>
                    Delivered-To: {envelope}
                    From: {_reader}
                    To: {envelope}
                    Subject: {Subject("Réponse automatique : " + sent.Subject)}
                    Date: {Date(TimeSpan.FromMinutes(1))}
                    Message-ID: <vacances-{reader}-{sentAt.ToUnixTimeSeconds()}@{_domain}>
                    In-Reply-To: <{_messageId}>
                    Auto-Submitted: auto-replied (vacation)
                    Precedence: bulk
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 8bit

                    Bonjour,

                    Je suis absent(e) jusqu'au lundi 7 décembre 2026, sans accès à ma messagerie.
                    Pour toute urgence, merci de contacter le secrétariat au 01 23 45 67 89.

                    Cordialement.

                    """);
                return Done();
            }
            var boundary = $"_000_{reader:D8}AM0PR01MB1234EURP_";
            Text($"""
                Delivered-To: {envelope}
                From: {_reader}
                To: {envelope}
                Subject: {Subject("Réponse automatique\u00a0: " + sent.Subject)}
                Thread-Topic: {Subject(sent.Subject)}
                Date: {Date(TimeSpan.FromMinutes(1))}
                Message-ID: <{IdFor(reader)}@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
                In-Reply-To: <{_messageId}>
                Auto-Submitted: auto-generated
                X-Auto-Response-Suppress: All
                X-MS-Exchange-Inbox-Rules-Loop: {_recipient}
                Content-Language: fr-FR
                X-MS-Has-Attach:
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary="{boundary}"

                --{boundary}
                Content-Type: text/plain; charset="utf-8"
                Content-Transfer-Encoding: base64

                {Convert.ToBase64String(Encoding.UTF8.GetBytes("Bonjour,\r\n\r\nJe suis en congés jusqu'au 4 janvier. Votre message ne sera pas transféré.\r\n\r\nBien à vous,\r\n"), Base64FormattingOptions.InsertLineBreaks)}

                --{boundary}
                Content-Type: text/html; charset="utf-8"
                Content-Transfer-Encoding: base64

                {Convert.ToBase64String(Encoding.UTF8.GetBytes("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div style=\"font-family:Calibri,Arial,Helvetica,sans-serif;font-size:12pt\"><p>Bonjour,</p><p>Je suis en congés jusqu'au 4 janvier. Votre message ne sera pas transféré.</p><p>Bien à vous,</p></div></body></html>"), Base64FormattingOptions.InsertLineBreaks)}

                --{boundary}--

                """);
            return Done();
        }

        public byte[] Unsubscribe()
        {
            var mailto = sent.Headers["List-Unsubscribe"]?.Split(',').Select(t => t.Trim(' ', '<', '>'))
                .FirstOrDefault(t => t.StartsWith("mailto:", StringComparison.Ordinal))?["mailto:".Length..].Split('?')[0]
                ?? throw new InvalidOperationException($"the message to reader {reader} has no List-Unsubscribe mailto: (Delivery:UnsubscribeMailbox unset?)");
            Text($"""
                Return-Path: <{_recipient}>
                Delivered-To: {mailto}
                Received: from mail-wm1-f54.google.com (mail-wm1-f54.google.com [209.85.128.54])
                	by mx.lettre.en-contact.com (Postfix) with ESMTPS id {_queueId}U
                	for <{mailto}>; {Date(TimeSpan.FromHours(30))}
                DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={_domain}; s=20230601; t={sentAt.ToUnixTimeSeconds() + 108000};
                	h=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date:message-id:reply-to;
                	bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;
                	b=Qv6WbBqHTu4r1xH2p8q7gO1cJ9rK2i3bXzq5eS0aBvLwY0pZk9mE8cN4yA1sD6fG7hJ2kL3zX5cV7bN9mQ1wE3rT5yU7iO9pA2sD4fG6hJ8kL0zX
                	 2cV4bN6mQ8wE0rT2yU4iO6pA8sD0fG2hJ4kL6zX8cV0bN2mQ4wE6rT8yU0iO2pA4sD6fG8hJ0kL2zX4cV6bN8mQ0wE2rT4yU6iO8pA0sD2fG4hJ6k==
                MIME-Version: 1.0
                From: {_reader}
                Date: {Date(TimeSpan.FromHours(30))}
                Message-ID: <CAF{reader:x8}=desinscription@mail.gmail.com>
                Subject: unsubscribe
                To: {mailto}
                Content-Type: text/plain; charset="UTF-8"

                This message was automatically generated by Gmail.

                """);
            return Done();
        }

        private static Guid IdFor(int seed)
        {
            Span<byte> bytes = stackalloc byte[16];
            new Random(seed).NextBytes(bytes);
            return new Guid(bytes);
        }
    }
}
