using System.Text.RegularExpressions;
using EnContact.Syndication.Delivery;

namespace EnContact.Syndication.Members;

/// <summary>
/// Checks what the paywall sends (API body or CSV row) before anything is stored: an id that fits in a
/// URL path, a single-line valid address (lower-cased), a one-line name, an expiry instant (ISO 8601,
/// magazine time when it has no offset; in the past is allowed: the member is then inactive).
/// </summary>
public static partial class MemberInput
{
    public const int MaxNameLength = 200;

    /// <summary>Null when <paramref name="externalId"/> is a usable id; else what is wrong.</summary>
    public static string? CheckExternalId(string? externalId) =>
        externalId is not null && ExternalIdPattern().IsMatch(externalId)
            ? null
            : $"'{Shorten(externalId)}' is not a member id: 1 to 200 characters among letters, digits and . _ : @ -, starting with a letter or digit";

    /// <summary>The member, or the problems by field (email, name, expiresAt).</summary>
    public static MemberUpsert? Check(string externalId, string? email, string? name, string? expiresAt, MagazineTime magazineTime,
        Dictionary<string, string> problems, string expiresField = "expiresAt")
    {
        if (!MailInput.TryNormalizeAddress("email", email, out var address, out var error))
            problems["email"] = error;
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (MailInput.CheckHeaderText("name", cleanName, MaxNameLength) is { } nameProblem)
            problems["name"] = nameProblem;
        DateTimeOffset? expires = null;
        if (!string.IsNullOrWhiteSpace(expiresAt))
        {
            if (magazineTime.TryParse(expiresAt.Trim(), out var instant, out var dateProblem))
                expires = instant;
            else
                problems[expiresField] = $"{expiresField}: {dateProblem}";
        }
        return problems.Count == 0 ? new MemberUpsert(externalId, address, cleanName, expires) : null;
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "…" : text.ReplaceLineEndings("⏎");

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")]
    private static partial Regex ExternalIdPattern();
}
