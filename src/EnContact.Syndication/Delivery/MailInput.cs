using System.Globalization;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Checks every value that ends up in a mail header before it is queued. A CR or LF (or any other
/// control character) in an address, a name or a subject is rejected with a message naming the
/// field: nothing anyone types can add a header.
/// </summary>
public static class MailInput
{
    public const int MaxAddressLength = 254;
    public const int MaxNameLength = 200;
    public const int MaxSubjectLength = 998;

    private static readonly IdnMapping Idn = new();

    /// <summary>A normalised address (lower-cased, domain in Unicode) or an error naming <paramref name="field"/>.</summary>
    public static bool TryNormalizeAddress(string field, string? input, out string address, out string error)
    {
        address = "";
        var text = input?.Trim() ?? "";
        if (text.Length == 0)
            return Fail(field, "is required", out error);
        if (ControlCharacter(text) is { } bad)
            return Fail(field, $"contains a control character ({bad}); an address is one line", out error);
        if (text.Length > MaxAddressLength)
            return Fail(field, $"is {text.Length} characters long; an address has at most {MaxAddressLength}", out error);
        // A bare address only: no display name, no list, no comment.
        if (text.AsSpan().IndexOfAny("<>,;() \t\"") >= 0 || text.Count(c => c == '@') != 1
            || !MailboxAddress.TryParse(ParserOptions.Default, text, out var mailbox) || !string.IsNullOrEmpty(mailbox.Name))
            return Fail(field, $"'{text}' is not an e-mail address such as nom@exemple.fr", out error);

        var at = mailbox.Address.LastIndexOf('@');
        var local = mailbox.Address[..at];
        var domain = mailbox.Address[(at + 1)..];
        try
        {
            // Validates an internationalised domain (IDNA) and keeps it readable, lower-cased.
            domain = Idn.GetUnicode(Idn.GetAscii(domain)).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return Fail(field, $"'{domain}' is not a valid domain name", out error);
        }
        if (!domain.Contains('.') || local.Length is 0 or > 64)
            return Fail(field, $"'{text}' is not an e-mail address such as nom@exemple.fr", out error);

        // Lower-cased whole: mailbox providers treat the local part case-insensitively, and one person
        // must not become two subscribers (or escape a suppression) by typing a capital.
        address = $"{local.ToLowerInvariant()}@{domain}";
        error = "";
        return true;
    }

    /// <summary>Null when <paramref name="value"/> may go into a header; else what is wrong, naming <paramref name="field"/>.</summary>
    public static string? CheckHeaderText(string field, string? value, int maxLength)
    {
        if (value is null)
            return null;
        if (ControlCharacter(value) is { } bad)
            return $"{field}: contains a control character ({bad}); it must be a single line";
        return value.Length > maxLength ? $"{field}: is {value.Length} characters long; the limit is {maxLength}" : null;
    }

    private static string? ControlCharacter(string text)
    {
        foreach (var c in text)
            if (c < 0x20 || c == 0x7F || c is '\u2028' or '\u2029' or '\u0085')
                return c switch { '\r' => "CR", '\n' => "LF", _ => $"U+{(int)c:X4}" };
        return null;
    }

    private static bool Fail(string field, string message, out string error)
    {
        error = $"{field}: {message}";
        return false;
    }
}
