using System.Buffers;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// DKIM's "relaxed" canonicalisation (RFC 6376 §3.4.2 and §3.4.4): what is hashed, so that a relay
/// re-folding headers or touching whitespace does not break the signature.
/// </summary>
public static class DkimCanonicalization
{
    /// <summary>
    /// Appends the relaxed form of complete body lines (each ending with CRLF): whitespace runs become
    /// one space, whitespace at the end of a line goes. The rule about empty lines at the end of the
    /// body is the caller's: the letter's body always ends with its closing boundary line.
    /// </summary>
    public static void BodyLines(ReadOnlySpan<byte> lines, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(lines.Length);
        var written = 0;
        var pendingSpace = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var b = lines[i];
            if (b is (byte)' ' or (byte)'\t')
            {
                pendingSpace = true;
                continue;
            }
            if (b == '\r' && i + 1 < lines.Length && lines[i + 1] == '\n')
            {
                pendingSpace = false; // trailing whitespace
                span[written++] = (byte)'\r';
                span[written++] = (byte)'\n';
                i++;
                continue;
            }
            if (pendingSpace)
            {
                span[written++] = (byte)' ';
                pendingSpace = false;
            }
            span[written++] = b;
        }
        if (pendingSpace)
            span[written++] = (byte)' ';
        output.Advance(written);
    }

    /// <summary>
    /// Appends the relaxed form of one header field as written ("Name: value", folded lines included,
    /// with or without its final CRLF): name in lower case, unfolded, whitespace runs as one space,
    /// none around the colon or at the end; then CRLF unless <paramref name="lineEnd"/> is false
    /// (the signature's own header, hashed last, has none).
    /// </summary>
    public static void Header(ReadOnlySpan<byte> field, bool lineEnd, IBufferWriter<byte> output)
    {
        var colon = field.IndexOf((byte)':');
        if (colon < 0)
            throw new FormatException("a header field without a colon");
        var span = output.GetSpan(field.Length + 2);
        var written = 0;
        foreach (var b in field[..colon].TrimEnd(" \t"u8))
            span[written++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        span[written++] = (byte)':';
        var pendingSpace = false;
        var started = false;
        foreach (var b in field[(colon + 1)..])
        {
            if (b is (byte)'\r' or (byte)'\n')
                continue; // unfolding: the whitespace that follows stays
            if (b is (byte)' ' or (byte)'\t')
            {
                pendingSpace = started;
                continue;
            }
            if (pendingSpace)
                span[written++] = (byte)' ';
            pendingSpace = false;
            started = true;
            span[written++] = b;
        }
        if (lineEnd)
        {
            span[written++] = (byte)'\r';
            span[written++] = (byte)'\n';
        }
        output.Advance(written);
    }
}
