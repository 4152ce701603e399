using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using MimeKit;
using MimeKit.IO;

namespace EnContact.Syndication.Compliance;

/// <summary>
/// The checks of one composed letter, read as a receiver reads it (the bytes that travel, parsed
/// back): signed, aligned, unsubscribable in one click and by a visible link, identified, not
/// clipped, bounces coming back to us. Checks that concern mailbox providers are skipped when mail
/// goes to the pickup folder (nothing leaves this machine); each says why it passed, failed or was skipped.
/// </summary>
public static class LetterChecks
{
    private const string Pickup = "the pickup folder keeps mail on this machine (no Smtp:Host)";

    public static async Task<IReadOnlyList<GateCheck>> RunAsync(MimeMessage composed, LetterFacts facts, CancellationToken cancellationToken)
    {
        using var wire = new MemoryStream();
        await composed.WriteToAsync(FormatOptions.Default, wire, cancellationToken);
        wire.Position = 0;
        using var received = await MimeMessage.LoadAsync(wire, cancellationToken);
        var signature = received.Headers.FirstOrDefault(h => h.Id == HeaderId.DkimSignature);
        var tags = signature is null ? null : DkimTags.Parse(signature.Value);
        var html = received.HtmlBody ?? "";
        var text = received.TextBody ?? "";
        var document = new HtmlParser().ParseDocument(html);

        var checks = new List<GateCheck>();
        checks.AddRange(await SignatureAsync(received, signature, tags, facts, cancellationToken));
        checks.AddRange(UnsubscribeHeaders(received, tags, facts));
        checks.Add(HtmlUnsubscribeLink(document, facts.UnsubscribeUrl));
        checks.Add(text.Contains(facts.UnsubscribeUrl, StringComparison.Ordinal)
            ? Pass("unsubscribe-link-text", "the text part gives the reader's unsubscribe link")
            : Fail("unsubscribe-link-text", "the text part does not give the reader's unsubscribe link (templates/digest/Digest.text.cshtml)"));
        checks.Add(PublisherIdentity(document, text, facts.PublisherLines));
        checks.Add(Size(received, facts.ClipBytes));
        checks.Add(ReturnPathCheck(facts));
        return checks;
    }

    private static async Task<IEnumerable<GateCheck>> SignatureAsync(MimeMessage received, Header? signature, IReadOnlyDictionary<string, string>? tags, LetterFacts facts, CancellationToken cancellationToken)
    {
        if (!facts.ThroughRelay)
            return [Skip("dkim-configured", Pickup), Skip("dkim-verifies", Pickup), Skip("dkim-aligned", Pickup)];
        if (facts.SigningKey is not { } key)
            return [Fail("dkim-configured", "no DKIM key: set Dkim:Domain, Dkim:Selector and Dkim:PrivateKey (or Dkim:PrivateKeyPath)"),
                Skip("dkim-verifies", "no key, no signature"), Skip("dkim-aligned", "no key, no signature")];
        var configured = Pass("dkim-configured", $"signed with selector '{key.Selector}' of '{key.Domain}'");
        if (signature is null || tags is null)
            return [configured, Fail("dkim-verifies", "the message carries no DKIM-Signature"), Skip("dkim-aligned", "no signature")];
        bool verifies;
        string? why = null;
        try
        {
            verifies = await key.Verifier().VerifyAsync(received, signature, cancellationToken);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NotSupportedException or ParseException)
        {
            (verifies, why) = (false, e.Message);
        }
        var verified = verifies
            ? Pass("dkim-verifies", "the signature verifies with the public key derived from the configured private key")
            : Fail("dkim-verifies", "the signature does not verify with the public key derived from the configured private key" + (why is null ? "" : $" ({why})"));
        return [configured, verified, Aligned(tags.GetValueOrDefault("d") ?? "", received.From.Mailboxes.FirstOrDefault()?.Domain ?? "")];
    }

    /// <summary>Relaxed alignment (DMARC): d= is the From domain or a parent of it, or a subdomain of it (same organisation).</summary>
    private static GateCheck Aligned(string signing, string from)
    {
        static bool Under(string child, string parent) => child.EndsWith("." + parent, StringComparison.OrdinalIgnoreCase);
        return signing.Length > 0 && (signing.Equals(from, StringComparison.OrdinalIgnoreCase) || Under(from, signing) || Under(signing, from))
            ? Pass("dkim-aligned", $"d={signing} is aligned with the From domain {from}")
            : Fail("dkim-aligned", $"d={signing} is not aligned with the From domain {from}: DMARC would fail (set Dkim:Domain to the From domain)");
    }

    private static IEnumerable<GateCheck> UnsubscribeHeaders(MimeMessage received, IReadOnlyDictionary<string, string>? tags, LetterFacts facts)
    {
        if (!facts.ThroughRelay)
        {
            yield return Skip("list-unsubscribe", Pickup);
            yield return Skip("list-unsubscribe-post", Pickup);
            yield return Skip("list-unsubscribe-signed", Pickup);
            yield break;
        }
        var targets = received.Headers[HeaderId.ListUnsubscribe];
        yield return targets is null
            ? Fail("list-unsubscribe", "the message has no List-Unsubscribe header (Subscribers:PublicUrl must be https for one-click unsubscribe)")
            : targets.Contains($"<{facts.UnsubscribeUrl}>", StringComparison.Ordinal)
                ? Pass("list-unsubscribe", "List-Unsubscribe gives the reader's https link" + (targets.Contains("<mailto:", StringComparison.Ordinal) ? " and a mailto:" : ""))
                : Fail("list-unsubscribe", "List-Unsubscribe does not give the reader's https unsubscribe link");
        yield return received.Headers["List-Unsubscribe-Post"]?.Trim() == "List-Unsubscribe=One-Click"
            ? Pass("list-unsubscribe-post", "List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)")
            : Fail("list-unsubscribe-post", "the message has no List-Unsubscribe-Post: List-Unsubscribe=One-Click header (RFC 8058)");
        var signed = tags?.GetValueOrDefault("h")?.Split(':', StringSplitOptions.TrimEntries) ?? [];
        yield return tags is null
            ? Skip("list-unsubscribe-signed", "no signature")
            : signed.Contains("List-Unsubscribe", StringComparer.OrdinalIgnoreCase) && signed.Contains("List-Unsubscribe-Post", StringComparer.OrdinalIgnoreCase)
                ? Pass("list-unsubscribe-signed", "the DKIM signature covers List-Unsubscribe and List-Unsubscribe-Post")
                : Fail("list-unsubscribe-signed", "the DKIM signature does not cover both List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 requires it)");
    }

    /// <summary>A link to the reader's unsubscribe page that a reader can see: with text, not hidden.</summary>
    private static GateCheck HtmlUnsubscribeLink(IDocument document, string url)
    {
        var visible = document.QuerySelectorAll("a[href]").Any(a => a.GetAttribute("href") == url && a.TextContent.Trim().Length > 0 && !Hidden(a));
        return visible
            ? Pass("unsubscribe-link-html", "the HTML part shows a link to the reader's unsubscribe page")
            : Fail("unsubscribe-link-html", "the HTML part shows no visible link to the reader's unsubscribe page (templates/digest/_Footer.cshtml)");
    }

    private static bool Hidden(IElement element)
    {
        for (var e = element; e is not null; e = e.ParentElement)
        {
            var style = (e.GetAttribute("style") ?? "").Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            if (e.HasAttribute("hidden") || style.Contains("display:none", StringComparison.Ordinal) || style.Contains("visibility:hidden", StringComparison.Ordinal)
                || style.Contains("font-size:0", StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static GateCheck PublisherIdentity(IDocument document, string text, IReadOnlyList<string> lines)
    {
        static string Flat(string value) => string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var (htmlText, plain) = (Flat(document.Body?.TextContent ?? ""), Flat(text));
        var missing = lines.Select(Flat).Where(line => !htmlText.Contains(line, StringComparison.Ordinal) || !plain.Contains(line, StringComparison.Ordinal)).ToList();
        return missing.Count == 0
            ? Pass("publisher-identity", $"both parts name the publisher: {string.Join(", ", lines)}")
            : Fail("publisher-identity", $"the footer does not show {string.Join(" and ", missing.Select(m => $"'{m}'"))} in both parts (Site:PublisherName, Site:PostalAddress)");
    }

    private static GateCheck Size(MimeMessage received, long clip)
    {
        if (received.BodyParts.OfType<TextPart>().FirstOrDefault(p => p.IsHtml) is not { } part)
            return Fail("size", "the message has no HTML part");
        using var counter = new MeasuringStream();
        part.WriteTo(counter);
        return counter.Length <= clip
            ? Pass("size", $"HTML part {counter.Length:N0} bytes as sent, under the clip at {clip:N0}")
            : Fail("size", $"HTML part {counter.Length:N0} bytes as sent, over the clip at {clip:N0}: Gmail would cut the letter, footer and unsubscribe link included (lower Digest:MaxHtmlBytes or Digest:MaxItemsPerSection)");
    }

    private static GateCheck ReturnPathCheck(LetterFacts facts)
    {
        if (!facts.BouncesRead)
            return Skip("return-path", "no bounce mailbox is read (Bounces:Imap:Host)");
        if (facts.ReturnPath is null)
            return Fail("return-path", "Bounces:Imap:Host is set but Delivery:ReturnPath is not: bounces would go to the From address, not to the mailbox read");
        var sender = facts.EnvelopeSender?.Address ?? "";
        return TaggedAddress.TagOf(sender, facts.ReturnPath) is not null || sender.Equals(facts.ReturnPath, StringComparison.OrdinalIgnoreCase)
            ? Pass("return-path", $"the envelope sender is {sender}")
            : Fail("return-path", $"the envelope sender '{sender}' is not the return path {facts.ReturnPath}");
    }

    private static GateCheck Pass(string name, string detail) => new(name, CheckOutcome.Passed, detail);

    private static GateCheck Fail(string name, string detail) => new(name, CheckOutcome.Failed, detail);

    private static GateCheck Skip(string name, string detail) => new(name, CheckOutcome.Skipped, detail);
}
