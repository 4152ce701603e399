using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Compliance;

/// <summary>
/// The gate every edition passes before it is queued: the letter with every section (the largest
/// copy, and members' copy when it carries full texts), composed for a sample reader exactly as the outbox would compose it (signed, with the
/// reader's own links and return path), then checked by <see cref="LetterChecks"/>.
/// </summary>
public sealed class LetterGate(
    DigestRenderer renderer, SubscriberLinks links, MessageComposer composer, ReturnPath returnPath, IOptions<SmtpOptions> smtp,
    IOptions<BounceMailboxOptions> bounces, IOptions<SiteOptions> site, IOptions<DeliveryOptions> delivery) : IEditionGate
{
    /// <summary>Where Gmail cuts a message's HTML ("[Message clipped]"), footer and unsubscribe link with it.</summary>
    public const long GmailClipBytes = 102_000;

    /// <summary>The reader the letter is checked for: no such subscriber exists, and the domain is reserved (RFC 2606).</summary>
    private static readonly Recipient Sample = new(new string('0', 32), "lectrice@example.com", "Lectrice Exemple", null);

    public async Task<GateReport> CheckAsync(DigestSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (await renderer.RenderAsync(snapshot, null) is not { } rendered)
            return new GateReport([new GateCheck("content", CheckOutcome.Failed, "the edition carries no article to send")]);
        var checks = await CheckAsync(snapshot, rendered, cancellationToken);
        // Members get the premium articles' full text, which no other copy carries: their copy is checked
        // too, and a check that fails only there fails the letter, saying so.
        if (snapshot.Sections.Any(s => s.Items.Any(i => i.ContentHtml is not null))
            && await renderer.RenderCopyAsync(snapshot, null, member: true) is { } memberCopy)
        {
            var failedForMembers = (await CheckAsync(snapshot, memberCopy, cancellationToken))
                .Where(c => c.Outcome == CheckOutcome.Failed).ToDictionary(c => c.Name);
            for (var i = 0; i < checks.Count; i++)
                if (checks[i].Outcome != CheckOutcome.Failed && failedForMembers.Remove(checks[i].Name, out var failed))
                    checks[i] = failed with { Detail = "members' copy: " + failed.Detail };
            checks.AddRange(failedForMembers.Values.Where(c => checks.All(k => k.Name != c.Name)).Select(c => c with { Detail = "members' copy: " + c.Detail }));
        }
        return new GateReport(checks);
    }

    private async Task<List<GateCheck>> CheckAsync(DigestSnapshot snapshot, RenderedDigest rendered, CancellationToken cancellationToken)
    {
        var request = DigestQueue.RequestsFor(links, DigestCampaign.Of(snapshot.Key), [Sample]).Single();
        var item = OutboxItem.Unqueued(new MessageBody(rendered.Subject, rendered.Text, rendered.Html), request, delivery.Value.MessageIdDomain);
        using var message = composer.Compose(item);
        var facts = new LetterFacts
        {
            ThroughRelay = !string.IsNullOrWhiteSpace(smtp.Value.Host),
            SigningKey = composer.SigningKey,
            UnsubscribeUrl = request.Variables["unsubscribe_url"],
            PublisherLines = [site.Value.PublisherName, .. site.Value.PostalAddress is { Length: > 0 } address ? new[] { address } : []],
            ClipBytes = GmailClipBytes,
            BouncesRead = bounces.Value.IsEnabled,
            ReturnPath = returnPath.Address,
            EnvelopeSender = returnPath.EnvelopeSenderFor(item.MessageId),
        };
        return [.. await LetterChecks.RunAsync(message, facts, cancellationToken)];
    }
}
