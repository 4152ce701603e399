using System.Text.RegularExpressions;
using MailKit.Net.Smtp;

namespace EnContact.Syndication.Delivery;

/// <summary>A reply in which the relay (or the receiver behind it) asks us to send more slowly.</summary>
/// <param name="Reply">The reply as MailKit gives it, with its basic code in front ("454 4.7.0 Throttling failure: …").</param>
/// <param name="Domain">The recipient's domain when the reply names it (that domain is throttled, not the relay); null otherwise.</param>
public sealed record ThrottleReply(string Reply, string? Domain);

public static partial class SmtpFailureClassifier
{
    /// <summary>
    /// Whether <paramref name="e"/> is a throttling reply, and whose: a 4xx that speaks of rate, volume,
    /// busyness or too many connections/recipients (SES, Gmail, Microsoft, Yahoo, Orange, Postfix's anvil),
    /// or a 421 with a 4.7.x code (the relay closing on us for policy). A plain 4.7.x deferral (greylisting,
    /// "cannot find your hostname") is not one: it is about this message or our set-up, and slowing down
    /// would not help it. <paramref name="recipientDomain"/> is the domain the message went to: when the
    /// reply names it (outside an address), the throttle is that domain's.
    /// </summary>
    public static ThrottleReply? ThrottleOf(Exception e, string? recipientDomain = null)
    {
        if (e is not SmtpCommandException command || (int)command.StatusCode is < 400 or >= 500)
            return null;
        var text = command.Message;
        if (Greylisting().IsMatch(text))
            return null;
        var enhanced = EnhancedCodeOf(text);
        var throttling = ThrottlingWords().IsMatch(text)
                         || (enhanced is not null && ThrottlingCode().IsMatch(enhanced))
                         || (command.StatusCode == SmtpStatusCode.ServiceNotAvailable && enhanced?.StartsWith("4.7.", StringComparison.Ordinal) == true);
        if (!throttling)
            return null;
        return new ThrottleReply($"{(int)command.StatusCode} {text}", NamesDomain(text, recipientDomain) ? recipientDomain!.ToLowerInvariant() : null);
    }

    /// <summary>Whether <paramref name="e"/> asks us to slow down (see <see cref="ThrottleOf"/>).</summary>
    public static bool IsThrottling(Exception e) => ThrottleOf(e) is not null;

    /// <summary>The domain after the '@' of an address; null when there is none.</summary>
    public static string? DomainOf(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 || at == address.Length - 1 ? null : address[(at + 1)..].TrimEnd('>').ToLowerInvariant();
    }

    // "orange.fr" said as a word: not "lecteur@orange.fr" (a refusal names the address whatever the cause) nor "mx.orange.fr.example".
    private static bool NamesDomain(string text, string? domain) =>
        !string.IsNullOrEmpty(domain)
        && Regex.IsMatch(text, $@"(?<![@\w.-]){Regex.Escape(domain)}(?![\w-]|\.\w)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    [GeneratedRegex(@"throttl|rate[ -]?limit|ratelimit|unusual rate|at a rate|sending rate|rate exceeded|too many|too fast|slow down|busy|\bTSS\d\d\b|unexpected volume|trop de (connexions|messages)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ThrottlingWords();

    // Gmail's 4.7.28 (rate limited), Microsoft's 4.7.500-4.7.699 (server busy, temporarily rate limited).
    [GeneratedRegex(@"^4\.7\.(28|[56]\d\d)$")]
    private static partial Regex ThrottlingCode();

    [GeneratedRegex(@"grey ?list|gray ?list", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Greylisting();
}
