using System.Buffers;
using System.Text;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, CRLF line breaks, lines of at most 76 characters.
/// A piece that ends mid-line can end with a soft line break, so that whatever follows it starts a
/// line of its own: the letter's shared text is then encoded once, and each reader's values are
/// encoded between its pieces, with the same decoded result as one encoding of the whole.
/// </summary>
public static class QuotedPrintable
{
    private const int MaxLine = 76;
    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    /// <summary>Appends the encoding of <paramref name="text"/>; with <paramref name="breakAtEnd"/>, a text that ends mid-line ends with a soft line break ("=" CRLF).</summary>
    public static void Encode(ReadOnlySpan<char> text, bool breakAtEnd, IBufferWriter<byte> output)
    {
        if (text.IsEmpty)
            return;
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> utf8 = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var count = Encoding.UTF8.GetBytes(text, utf8);
            Encode(utf8[..count], breakAtEnd, output);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Appends the encoding of UTF-8 bytes; LF or CRLF in them are line breaks.</summary>
    public static void Encode(ReadOnlySpan<byte> input, bool breakAtEnd, IBufferWriter<byte> output)
    {
        // Worst case: every byte becomes "=XX", plus a soft break every 25 bytes.
        var span = output.GetSpan(input.Length * 3 + input.Length / 24 * 3 + 8);
        var written = 0;
        var column = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == '\n' || (b == '\r' && i + 1 < input.Length && input[i + 1] == '\n'))
            {
                if (b == '\r')
                    i++;
                span[written++] = (byte)'\r';
                span[written++] = (byte)'\n';
                column = 0;
                continue;
            }
            var lastOnLine = i + 1 == input.Length ? !breakAtEnd : input[i + 1] == '\n' || (input[i + 1] == '\r' && i + 2 < input.Length && input[i + 2] == '\n');
            // Whitespace that ends a line would be lost in transit: encoded there.
            var literal = b is >= 33 and <= 126 && b != '=' || (b is (byte)' ' or (byte)'\t' && !lastOnLine);
            var width = literal ? 1 : 3;
            // A line that goes on needs room for its soft break's "=".
            if (column + width > (lastOnLine ? MaxLine : MaxLine - 1))
            {
                span[written++] = (byte)'=';
                span[written++] = (byte)'\r';
                span[written++] = (byte)'\n';
                column = 0;
            }
            if (literal)
                span[written++] = b;
            else
            {
                span[written++] = (byte)'=';
                span[written++] = Hex[b >> 4];
                span[written++] = Hex[b & 0xF];
            }
            column += width;
        }
        if (breakAtEnd && column > 0)
        {
            span[written++] = (byte)'=';
            span[written++] = (byte)'\r';
            span[written++] = (byte)'\n';
        }
        output.Advance(written);
    }
}
