namespace EnContact.Syndication.Base;

/// <summary>
/// Lower-case base32 (RFC 4648 alphabet, no padding) for tokens that travel in the local part of an
/// address: some servers fold its case, and base64's '-', '_' or capitals would not survive them.
/// </summary>
public static class Base32Text
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static int EncodedLength(int bytes) => (bytes * 8 + 4) / 5;

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var result = new char[EncodedLength(data.Length)];
        int buffer = 0, bits = 0, position = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                result[position++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
            result[position] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(result);
    }

    /// <summary>Decodes <paramref name="text"/> (either case) into exactly <paramref name="destination"/>'s length; false for anything else.</summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length))
            return false;
        int buffer = 0, bits = 0, position = 0;
        foreach (var c in text)
        {
            var value = c switch
            {
                >= 'a' and <= 'z' => c - 'a',
                >= 'A' and <= 'Z' => c - 'A',
                >= '2' and <= '7' => c - '2' + 26,
                _ => -1,
            };
            if (value < 0)
                return false;
            buffer = ((buffer << 5) | value) & 0xFFFF;
            bits += 5;
            if (bits >= 8)
            {
                if (position == destination.Length)
                    return false;
                destination[position++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        // The unused low bits of the last character must be zero: one text per token, no look-alikes.
        return position == destination.Length && (buffer & ((1 << bits) - 1)) == 0;
    }
}
