using System.Collections.Concurrent;
using EnContact.Syndication.Bounces;
using MimeKit;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// A test double for what understands bounce mail (DSN and ARF parsing), which is another part of the
/// gateway built separately: the reader's tests need only its contract. It records every call and
/// answers by subject: "à vérifier" → for review, "plante" → throws, anything else → understood.
/// </summary>
public sealed class ScriptedBounceHandler : IBounceMailHandler
{
    private readonly ConcurrentQueue<string> _calls = new();

    /// <summary>The Message-ID of every message handed over, in order.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public Task<BounceMailVerdict> HandleAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        _calls.Enqueue(message.MessageId ?? "(none)");
        var subject = message.Subject ?? "";
        if (subject.Contains("plante", StringComparison.Ordinal))
            throw new InvalidOperationException("le gestionnaire a échoué sur ce message");
        return Task.FromResult(subject.Contains("à vérifier", StringComparison.Ordinal)
            ? BounceMailVerdict.ForReview("rapport illisible")
            : BounceMailVerdict.Done("rebond permanent enregistré"));
    }

    /// <summary>A returned message with a Message-ID of its own (<c>&lt;name@bounces.test&gt;</c>).</summary>
    public static MimeMessage Mail(string name, string subject = "Undelivered Mail Returned to Sender", int bodyBytes = 0)
    {
        var message = new MimeMessage
        {
            MessageId = $"{name}@bounces.test",
            Subject = subject,
            Date = Fixtures.Gateway.DefaultNow,
            Body = new TextPart("plain") { Text = "The mail system could not deliver your message.\n" + new string('x', bodyBytes) },
        };
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@mx.example.net"));
        message.To.Add(MailboxAddress.Parse(Fixtures.TestDovecot.User));
        return message;
    }
}
