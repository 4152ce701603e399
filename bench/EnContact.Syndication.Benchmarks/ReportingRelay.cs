using System.Collections.Concurrent;
using System.Globalization;
using EnContact.Syndication.Delivery;
using MimeKit;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// The relay and the readers' mail systems, for the bounces benchmark's set-up: the gateway's own
/// delivery worker hands it each message of the edition with its real envelope sender (the VERP
/// return path); it accepts it as a relay would and writes, into <paramref name="folder"/>, the report
/// that message earns (<see cref="ReturnedMail"/>), named after the reader's number.
/// </summary>
public sealed class ReportingRelay(string folder, IReadOnlyDictionary<string, int> readers) : IMailSender
{
    private int _accepted;

    public string Description => "the bounces benchmark's relay (writes each message's report)";

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Each report's reader, kind and size in bytes.</summary>
    public ConcurrentBag<(int Reader, ReturnKind Kind, int Bytes)> Reports { get; } = [];

    /// <summary>Each sent message's size as the relay received it.</summary>
    public ConcurrentBag<int> MessageSizes { get; } = [];

    public async Task<SendReceipt> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
    {
        var recipient = message.To.Mailboxes.Single().Address;
        if (!readers.TryGetValue(recipient, out var reader))
            throw new InvalidOperationException($"a message to {recipient}, who is not one of the benchmark's readers");
        if (envelopeSender is null)
            throw new InvalidOperationException("a message without an envelope sender of its own: Delivery:ReturnPath is not set");
        var report = ReturnedMail.Write(reader, message, envelopeSender.Address, DateTimeOffset.UtcNow);
        await File.WriteAllBytesAsync(PathOf(folder, reader), report, cancellationToken);
        MessageSizes.Add((int)SizeOf(message));
        Reports.Add((reader, ReturnedMail.KindOf(reader), report.Length));
        Interlocked.Increment(ref _accepted);
        return new SendReceipt(string.Create(CultureInfo.InvariantCulture, $"250 2.0.0 Ok: queued as 4Y{reader:X6}"));
    }

    /// <summary>Where reader number <paramref name="reader"/>'s report is written.</summary>
    public static string PathOf(string folder, int reader) => Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{reader:D7}.eml"));

    private static long SizeOf(MimeMessage message)
    {
        using var counter = new MimeKit.IO.MeasuringStream();
        message.WriteTo(counter);
        return counter.Length;
    }
}
