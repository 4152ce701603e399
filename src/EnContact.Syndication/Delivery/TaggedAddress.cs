namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sub-addresses (<c>rebonds+tag@domain</c>): the mailbox receives them all, and the tag says which
/// message or reader the mail is about. Local parts are compared ignoring case, since servers on the
/// way may fold it.
/// </summary>
public static class TaggedAddress
{
    public const char Separator = '+';

    /// <summary>Longest local part an address may have (RFC 5321 §4.5.3.1.1).</summary>
    public const int MaxLocalPart = 64;

    public static string With(string address, string tag)
    {
        var at = address.LastIndexOf('@');
        return $"{address[..at]}{Separator}{tag}{address[at..]}";
    }

    /// <summary>The tag of <paramref name="candidate"/> when it is <paramref name="mailbox"/> with one (either case); null otherwise.</summary>
    public static string? TagOf(string? candidate, string mailbox)
    {
        if (string.IsNullOrEmpty(candidate))
            return null;
        var text = candidate.Trim().Trim('<', '>');
        var at = text.LastIndexOf('@');
        var mailboxAt = mailbox.LastIndexOf('@');
        if (at <= 0 || !text.AsSpan(at + 1).Equals(mailbox.AsSpan(mailboxAt + 1), StringComparison.OrdinalIgnoreCase))
            return null;
        var local = text.AsSpan(0, at);
        var prefix = mailbox.AsSpan(0, mailboxAt);
        if (local.Length <= prefix.Length + 1 || !local.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || local[prefix.Length] != Separator)
            return null;
        return local[(prefix.Length + 1)..].ToString();
    }

    /// <summary>What keeps <paramref name="address"/> from carrying a tag of <paramref name="tagLength"/> characters, naming <paramref name="field"/>; null when it can.</summary>
    public static string? Problem(string field, string address, int tagLength)
    {
        var local = address[..address.LastIndexOf('@')];
        if (local.Contains(Separator))
            return $"{field}: '{address}' already has a '{Separator}' in it; give the mailbox's own address, the gateway adds '{Separator}<token>'";
        return local.Length + 1 + tagLength > MaxLocalPart
            ? $"{field}: the part before '@' of '{address}' is {local.Length} characters; with '{Separator}' and a {tagLength}-character token it must stay within {MaxLocalPart}"
            : null;
    }
}
