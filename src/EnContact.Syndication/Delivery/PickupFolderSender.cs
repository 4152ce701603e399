using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Writes each message as an .eml file named after its Message-ID (the default when no relay is set,
/// so the gateway runs on a fresh machine). A file appears complete or not at all: it is written
/// under a temporary name, then moved to its final name without overwriting. A second send of the
/// same Message-ID (a retry after a crash) finds the file and writes nothing.
/// </summary>
public sealed class PickupFolderSender : IMailSender
{
    public PickupFolderSender(IOptions<DeliveryOptions> options, IHostEnvironment environment)
    {
        Folder = Path.GetFullPath(options.Value.PickupPath, environment.ContentRootPath);
        Directory.CreateDirectory(Folder);
    }

    /// <summary>Absolute path of the folder the .eml files go to.</summary>
    public string Folder { get; }

    public string Description => $"pickup folder {Folder}";

    public async Task<SendReceipt> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = Path.Combine(Folder, FileNameFor(message));
        if (File.Exists(path))
            return AlreadyWritten(path);

        // Hidden and not *.eml, so nothing that watches the folder takes a half-written file.
        var temporary = Path.Combine(Folder, $".{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 16 * 1024, FileOptions.Asynchronous))
            {
                await message.WriteToAsync(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true); // on disk before it gets its final name
            }
            // CreateNew semantics for the final name: the move fails rather than replace a file.
            File.Move(temporary, path, overwrite: false);
            return new SendReceipt($"written {path}");
        }
        catch (IOException) when (File.Exists(path))
        {
            return AlreadyWritten(path); // a concurrent send of the same message won the race
        }
        finally
        {
            File.Delete(temporary); // no-op once moved
        }
    }

    /// <summary>
    /// The Message-ID without its angle brackets, reduced to [A-Za-z0-9._@-] plus ".eml". When that
    /// changed anything, a hash of the real ID is appended so two IDs never share a file (which would
    /// make the second message look already sent).
    /// </summary>
    internal static string FileNameFor(MimeMessage message)
    {
        var id = message.MessageId;
        if (string.IsNullOrWhiteSpace(id))
            throw new ArgumentException("The message has no Message-ID: the pickup folder names files after it.", nameof(message));
        var safe = new StringBuilder(id.Length);
        foreach (var c in id)
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '-' ? c : '_');
        var name = safe.ToString();
        if (name != id || name.Length > 150 || name.StartsWith('.'))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16];
            var readable = name.TrimStart('.');
            name = $"{readable[..Math.Min(readable.Length, 150)]}-{hash}";
        }
        return name + ".eml";
    }

    private static SendReceipt AlreadyWritten(string path) => new($"already written {path} (same Message-ID): not written again");
}
