using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// The body of one composed letter: a multipart/alternative already encoded for 7-bit transport
/// (<see cref="WireTemplate"/>), written as it is. MimeKit and MailKit write the message's headers
/// and then this entity's content, so what travels is exactly what was hashed for DKIM; there is
/// nothing left to prepare. Readers of a letter parse its bytes (<see cref="MimeMessage.Load(Stream, CancellationToken)"/>).
/// </summary>
public sealed class WireBody : MimeEntity
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private static readonly byte[] Lf = "\n"u8.ToArray();

    private readonly WireTemplate _template;
    private readonly byte[][] _values;

    internal WireBody(WireTemplate template, byte[][] values)
        : base(new ContentType("multipart", "alternative") { Boundary = template.Boundary })
    {
        _template = template;
        _values = values;
    }

    /// <summary>Bytes of the content as it travels (CRLF line ends).</summary>
    public long Length => _template.FixedLength + _values.Sum(v => (long)v.Length);

    /// <summary>Already quoted-printable, lines of at most 76 characters: fit for any transport.</summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        if (!contentOnly)
        {
            base.WriteTo(options, stream, false, cancellationToken);
            stream.Write(NewLine(options));
        }
        foreach (var chunk in _template.Chunks(_values))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.NewLineFormat == NewLineFormat.Dos)
                stream.Write(chunk.Span);
            else
                WriteLines(stream, chunk.Span, options);
        }
    }

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        if (!contentOnly)
        {
            await base.WriteToAsync(options, stream, false, cancellationToken);
            await stream.WriteAsync(NewLine(options), cancellationToken);
        }
        foreach (var chunk in _template.Chunks(_values))
        {
            if (options.NewLineFormat == NewLineFormat.Dos)
                await stream.WriteAsync(chunk, cancellationToken);
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                WriteLines(stream, chunk.Span, options);
            }
        }
    }

    private static byte[] NewLine(FormatOptions options) => options.NewLineFormat == NewLineFormat.Dos ? CrLf : Lf;

    /// <summary>The chunk with LF line ends (a file on this machine, not the wire).</summary>
    private static void WriteLines(Stream stream, ReadOnlySpan<byte> chunk, FormatOptions options)
    {
        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOf("\r\n"u8);
            if (end < 0)
            {
                stream.Write(chunk);
                return;
            }
            stream.Write(chunk[..end]);
            stream.Write(NewLine(options));
            chunk = chunk[(end + 2)..];
        }
    }
}
