using System.Text.RegularExpressions;
using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Out-of-office and vacation replies, and challenges ("prove you are human") from challenge-response
/// filters: they say nothing about the address, so they are understood and left alone, never counted
/// as bounces. Recognised by the headers that announce them (RFC 3834 Auto-Submitted, X-Autoreply,
/// Precedence: auto_reply, the headers of known challenge systems) or by their subject.
/// </summary>
public static partial class AutoReplies
{
    /// <summary>Why <paramref name="message"/> is an auto-reply or a challenge, or null.</summary>
    public static string? SignOf(MimeMessage message)
    {
        var headers = message.Headers;
        if (headers["Auto-Submitted"] is { } submitted && !submitted.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
            return $"Auto-Submitted: {submitted.Trim()}";
        foreach (var field in new[] { "X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Response-Suppress-Reply", "X-Vacation" })
            if (headers.Contains(field))
                return field;
        if (headers["Precedence"] is { } precedence && precedence.Trim().Equals("auto_reply", StringComparison.OrdinalIgnoreCase))
            return "Precedence: auto_reply";
        if (headers.Contains("X-Challenge") || headers.Contains("X-Boxbe-Challenge") || headers["X-Mailer"]?.Contains("SpamArrest", StringComparison.OrdinalIgnoreCase) == true)
            return "challenge-response header";
        var subject = message.Subject ?? "";
        if (ChallengeSubject().IsMatch(subject))
            return "challenge-response subject";
        if (VacationSubject().IsMatch(subject))
            return "auto-reply subject";
        return null;
    }

    [GeneratedRegex(@"out of (the )?office|auto(matic)?[ -]?(reply|response)|r[ée]ponse automatique|absence|absent|vacation|vacances|cong[ée]s|abwesenheit|automatische antwort|fuera de la oficina|respuesta autom", RegexOptions.IgnoreCase)]
    private static partial Regex VacationSubject();

    [GeneratedRegex(@"verify (that )?you are (a )?human|sender verification|please (confirm|verify) (your|that you)|confirm your (e-?mail|message|request)|v[ée]rification (de l'|de l’)?exp[ée]diteur|challenge", RegexOptions.IgnoreCase)]
    private static partial Regex ChallengeSubject();
}
