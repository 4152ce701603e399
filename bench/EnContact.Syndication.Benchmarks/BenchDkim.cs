using System.Diagnostics;
using System.Security.Cryptography;
using EnContact.Syndication.Delivery;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace EnContact.Syndication.Benchmarks;

/// <summary>
/// DKIM in the delivery benchmarks, on by default as in production: a 2048-bit RSA key made for the
/// run, the settings that sign with it, the cost of signing measured in the same run, and a
/// verification of sunk messages by MimeKit's verifier against the key's public half (not the
/// gateway's own view of it).
/// </summary>
public sealed class BenchDkim : IDisposable
{
    public const string Domain = "en-contact.com";
    public const string Selector = "bench";

    private readonly RSA _key = RSA.Create(2048);

    /// <summary>Dkim:* settings that sign every message with this run's key.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Dkim:Domain"] = Domain,
        ["Dkim:Selector"] = Selector,
        ["Dkim:PrivateKey"] = _key.ExportRSAPrivateKeyPem(),
    };

    public void Dispose() => _key.Dispose();

    /// <summary>What a verification of sunk messages found.</summary>
    public sealed record Verification(int Files, int Verified, IReadOnlyList<string> Failures);

    /// <summary>Parses up to <paramref name="count"/> of smtp-sink's dump files and checks each one's DKIM-Signature with MimeKit's verifier and this run's public key.</summary>
    public async Task<Verification> VerifyDumpsAsync(string dumpFolder, int count, int seed, CancellationToken cancellationToken)
    {
        var files = Directory.GetFiles(dumpFolder).Order(StringComparer.Ordinal).ToArray();
        var sample = files.ToArray();
        new Random(seed).Shuffle(sample);
        var verifier = new DkimVerifier(new Locator(_key));
        var failures = new List<string>();
        var verified = 0;
        foreach (var file in sample.Take(count))
        {
            // smtp-sink writes its own trace lines (X-Client-Addr, X-Rcpt-Args, …) before the message: unsigned headers, ignored by DKIM.
            using var message = await MimeMessage.LoadAsync(file, cancellationToken);
            var signature = message.Headers.FirstOrDefault(h => h.Id == HeaderId.DkimSignature);
            if (signature is null)
                failures.Add($"{Path.GetFileName(file)}: no DKIM-Signature");
            else if (await verifier.VerifyAsync(message, signature, cancellationToken))
                verified++;
            else
                failures.Add($"{Path.GetFileName(file)}: the signature does not verify");
        }
        return new Verification(files.Length, verified, failures);
    }

    /// <summary>CPU and allocation of composing a message and writing it as SMTP does (CRLF), per message, on this thread.</summary>
    public sealed record CompositionCost(double CpuMicros, double AllocatedKiB, double WireBytes);

    /// <summary>Composes each item <paramref name="rounds"/> times after a warm-up and writes it to nowhere: the composer's cost alone, without SMTP or the outbox.</summary>
    public static CompositionCost Measure(MessageComposer composer, IReadOnlyList<OutboxItem> items, int rounds)
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        long bytes = 0;
        void Once(OutboxItem item)
        {
            using var message = composer.Compose(item);
            using var counter = new MimeKit.IO.MeasuringStream();
            message.WriteTo(format, counter);
            bytes += counter.Length;
        }
        foreach (var item in items.Take(Math.Min(items.Count, 200)))
            Once(item);
        bytes = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = ThreadCpu();
        var n = 0;
        for (var r = 0; r < rounds; r++)
            foreach (var item in items)
            {
                Once(item);
                n++;
            }
        return new CompositionCost((ThreadCpu() - cpu).TotalMicroseconds / n, (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1024.0 / n, bytes / (double)n);
    }

    /// <summary>This thread's CPU time (user + system), from /proc: the process's would count the idle host's timers too.</summary>
    private static TimeSpan ThreadCpu()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/thread-self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return Process.GetCurrentProcess().TotalProcessorTime;
        }
    }

    /// <summary>Answers every key lookup with this run's public key, as its DNS record would.</summary>
    private sealed class Locator(RSA key) : DkimPublicKeyLocatorBase
    {
        private readonly string _record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain == Domain && selector == Selector ? GetPublicKey(_record) : throw new InvalidOperationException($"no key for {selector}._domainkey.{domain}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
