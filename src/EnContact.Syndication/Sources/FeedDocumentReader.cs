namespace EnContact.Syndication.Sources;

/// <summary>Reads a fetched document as JSON Feed when it looks like JSON (by media type or first character), otherwise as RSS or Atom.</summary>
public static class FeedDocumentReader
{
    public static UpstreamDocument Read(byte[] body, string? mediaType, Uri feedUrl)
    {
        using var stream = new MemoryStream(body, writable: false);
        return LooksLikeJson(body, mediaType) ? JsonFeedReader.Read(stream, feedUrl) : XmlFeedReader.Read(stream, feedUrl);
    }

    private static bool LooksLikeJson(byte[] body, string? mediaType)
    {
        if (mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
            return true;
        foreach (var b in body.AsSpan(body.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0))
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                continue;
            return b == (byte)'{';
        }
        return false;
    }
}
