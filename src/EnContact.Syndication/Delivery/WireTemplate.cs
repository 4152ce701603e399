using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// A stored body (text and HTML with <c>{{name}}</c> placeholders) prepared once for every reader of
/// it: the multipart/alternative body as it travels (quoted-printable, CRLF), cut at each
/// placeholder, and the relaxed canonical form of each fixed piece for the DKIM body hash. Per reader
/// only the values are encoded and hashed (<see cref="Fill"/>), so composing a letter of 60 KB costs
/// the few hundred bytes that differ, and the body's hash needs no second serialisation.
/// Each piece ends where a line ends (soft line breaks around the values), which is what lets
/// pieces be encoded and canonicalised apart.
/// </summary>
public sealed class WireTemplate
{
    private readonly byte[][] _fixed;
    private readonly byte[][] _canonical;
    private readonly Slot[] _slots;

    private WireTemplate(string boundary, byte[][] @fixed, byte[][] canonical, Slot[] slots)
    {
        Boundary = boundary;
        _fixed = @fixed;
        _canonical = canonical;
        _slots = slots;
    }

    /// <summary>The multipart boundary every message of this body uses ("=-" cannot begin a quoted-printable line, so no content line can look like it).</summary>
    public string Boundary { get; }

    /// <summary>One placeholder: the variable's name, the text left when the reader has no such value, and whether its value is HTML-encoded.</summary>
    internal readonly record struct Slot(string Name, string Literal, bool Html);

    public static WireTemplate Prepare(string text, string html)
    {
        var boundary = "=-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var fixedPieces = new List<byte[]>();
        var slots = new List<Slot>();
        var current = new ArrayBufferWriter<byte>(Math.Max(256, text.Length + html.Length));
        foreach (var (template, isHtml) in new[] { (text, false), (html, true) })
        {
            Ascii(current, $"{(isHtml ? "\r\n" : "")}--{boundary}\r\nContent-Type: text/{(isHtml ? "html" : "plain")}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
            var (pieces, placeholders) = Split(template, isHtml);
            for (var i = 0; i < pieces.Count; i++)
            {
                QuotedPrintable.Encode(pieces[i], breakAtEnd: i < placeholders.Count, current);
                if (i < placeholders.Count)
                {
                    fixedPieces.Add(current.WrittenSpan.ToArray());
                    current.ResetWrittenCount();
                    slots.Add(placeholders[i]);
                }
            }
        }
        Ascii(current, $"\r\n--{boundary}--\r\n");
        fixedPieces.Add(current.WrittenSpan.ToArray());

        var canonical = new byte[fixedPieces.Count][];
        var writer = new ArrayBufferWriter<byte>(current.WrittenCount);
        for (var i = 0; i < fixedPieces.Count; i++)
        {
            writer.ResetWrittenCount();
            DkimCanonicalization.BodyLines(fixedPieces[i], writer);
            canonical[i] = writer.WrittenSpan.SequenceEqual(fixedPieces[i]) ? fixedPieces[i] : writer.WrittenSpan.ToArray();
        }
        return new WireTemplate(boundary, [.. fixedPieces], canonical, [.. slots]);
    }

    /// <summary>
    /// The body for one reader: each placeholder filled as <see cref="MessageComposer.Fill"/> fills it
    /// (HTML-encoded in the HTML part; unknown names left as written). With <paramref name="bodyHash"/>,
    /// appends the body's relaxed canonical form to it.
    /// </summary>
    public WireBody Fill(IReadOnlyDictionary<string, string> variables, IncrementalHash? bodyHash)
    {
        var values = new byte[_slots.Length][];
        var writer = Scratch();
        for (var i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            var value = variables.TryGetValue(slot.Name, out var found) ? slot.Html ? HtmlText.Encode(found) : found : slot.Literal;
            writer.ResetWrittenCount();
            QuotedPrintable.Encode(value, breakAtEnd: true, writer);
            values[i] = writer.WrittenSpan.ToArray();
        }
        if (bodyHash is not null)
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                bodyHash.AppendData(_canonical[i]);
                writer.ResetWrittenCount();
                DkimCanonicalization.BodyLines(values[i], writer);
                bodyHash.AppendData(writer.WrittenSpan);
            }
            bodyHash.AppendData(_canonical[^1]);
        }
        return new WireBody(this, values);
    }

    /// <summary>Bytes of one part's content as the composer encodes it, placeholders left as written (the size before personal values are filled in).</summary>
    public static long EncodedLength(string template, bool html)
    {
        var (pieces, placeholders) = Split(template, html);
        var writer = new ArrayBufferWriter<byte>(template.Length * 5 / 4 + 64);
        for (var i = 0; i < pieces.Count; i++)
        {
            QuotedPrintable.Encode(pieces[i], breakAtEnd: i < placeholders.Count, writer);
            if (i < placeholders.Count)
                QuotedPrintable.Encode(placeholders[i].Literal, breakAtEnd: true, writer);
        }
        return writer.WrittenCount;
    }

    /// <summary>The body's bytes as they travel (CRLF): fixed pieces and the reader's values in turn.</summary>
    internal IEnumerable<ReadOnlyMemory<byte>> Chunks(byte[][] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            yield return _fixed[i];
            yield return values[i];
        }
        yield return _fixed[^1];
    }

    internal int FixedLength => _fixed.Sum(f => f.Length);

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private static ArrayBufferWriter<byte> Scratch() => t_scratch ??= new ArrayBufferWriter<byte>(1024);

    private static void Ascii(ArrayBufferWriter<byte> writer, string text) => writer.Advance(Encoding.ASCII.GetBytes(text, writer.GetSpan(text.Length)));

    /// <summary>The template cut at its <c>{{name}}</c> placeholders (also what <see cref="MessageComposer.Fill"/> fills): pieces.Count == placeholders.Count + 1.</summary>
    internal static (List<string> Pieces, List<Slot> Placeholders) Split(string template, bool html)
    {
        var pieces = new List<string>();
        var placeholders = new List<Slot>();
        var piece = new StringBuilder();
        var position = 0;
        while (position < template.Length)
        {
            var open = template.IndexOf("{{", position, StringComparison.Ordinal);
            var close = open < 0 ? -1 : template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (open < 0 || close < 0)
            {
                piece.Append(template, position, template.Length - position);
                break;
            }
            piece.Append(template, position, open - position);
            pieces.Add(piece.ToString());
            piece.Clear();
            placeholders.Add(new Slot(template[(open + 2)..close].Trim(), template[open..(close + 2)], html));
            position = close + 2;
        }
        pieces.Add(piece.ToString());
        return (pieces, placeholders);
    }
}
