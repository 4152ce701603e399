using System.Buffers;
using System.Text;
using EnContact.Syndication.Delivery;
using MimeKit;
using MimeKit.Encodings;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class QuotedPrintableTests
{
    public static TheoryData<string> Texts => new()
    {
        "",
        "Bonjour Zoé, l’été « arrive » — 100 % = tout.",
        "espace en fin de ligne   \ntabulation\t\nfin  ",
        "lignes\r\nWindows\r\net lone \r retour",
        new string('a', 75) + "\n" + new string('b', 76) + "\n" + new string('c', 77) + "\n" + new string('é', 40),
        string.Concat(Enumerable.Repeat("= =é\t", 60)),
        ".\n..commence par un point\nFrom here",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Encode_AnyText_DecodesBackByMimeKit_InSevenBitLinesOfAtMost76(string text)
    {
        var encoded = Encode(text, breakAtEnd: false);

        Assert.Equal(text.Replace("\r\n", "\n"), Decode(encoded).Replace("\r\n", "\n"));
        Assert.All(encoded, b => Assert.True(b < 128, $"byte {b} is not 7-bit"));
        Assert.All(Encoding.ASCII.GetString(encoded).Split("\r\n"), line => Assert.True(line.Length <= 76, $"line of {line.Length}: {line}"));
        Assert.DoesNotContain((byte)'\n', Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(encoded).Replace("\r\n", "")));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Encode_PiecesWithSoftBreaksBetween_DecodeToTheWholeText(string text)
    {
        var pieces = new[] { text[..(text.Length / 3)], "https://lettre.en-contact.com/desinscription?token=a b", text[(text.Length / 3)..] };
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < pieces.Length; i++)
            QuotedPrintable.Encode(pieces[i], breakAtEnd: i < pieces.Length - 1, writer);

        Assert.Equal(string.Concat(pieces).Replace("\r\n", "\n"), Decode(writer.WrittenSpan.ToArray()).Replace("\r\n", "\n"));
        // Each piece after the first starts a line of its own.
        var first = Encode(pieces[0], breakAtEnd: true);
        Assert.True(first.Length == 0 || first.AsSpan().EndsWith("\r\n"u8));
    }

    private static byte[] Encode(string text, bool breakAtEnd)
    {
        var writer = new ArrayBufferWriter<byte>();
        QuotedPrintable.Encode(text, breakAtEnd, writer);
        return writer.WrittenSpan.ToArray();
    }

    private static string Decode(byte[] encoded)
    {
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[decoder.EstimateOutputLength(encoded.Length)];
        var count = decoder.Decode(encoded, 0, encoded.Length, output);
        return Encoding.UTF8.GetString(output, 0, count);
    }
}
