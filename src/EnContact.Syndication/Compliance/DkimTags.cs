namespace EnContact.Syndication.Compliance;

/// <summary>The tag=value list of a DKIM-Signature header (RFC 6376 §3.2), folding whitespace removed from names and values.</summary>
public static class DkimTags
{
    public static IReadOnlyDictionary<string, string> Parse(string header)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in header.Split(';'))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
                continue;
            var name = part[..equals].Trim();
            var value = string.Concat(part[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));
            tags.TryAdd(name, value);
        }
        return tags;
    }
}
