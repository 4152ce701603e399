using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using EnContact.Syndication.Storage;
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
        PrivateFiles.CreateFolder(Folder);
    }

    /// <summary>Absolute path of the folder the .eml files go to.</summary>
    public string Folder { get; }

    public string Description => $"pickup folder {Folder}";

    public Task<SendReceipt> SendAsync(MimeMessage message, CancellationToken cancellationToken) => SendAsync(message, null, cancellationToken);

    /// <summary>
    /// With an <paramref name="envelopeSender"/>, the file starts with the envelope as a pickup
    /// directory's relay reads it (IIS and System.Net.Mail's convention): <c>X-Sender:</c> the envelope
    /// sender, then one <c>X-Receiver:</c> per recipient. Without one, the file is the message alone.
    /// </summary>
    public async Task<SendReceipt> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var path = Path.Combine(Folder, FileNameFor(message));
        if (File.Exists(path))
            return AlreadyWritten(path);

        // Hidden and not *.eml, so nothing that watches the folder takes a half-written file.
        var temporary = Path.Combine(Folder, $".{Guid.NewGuid():N}.tmp");
        try
        {
            // Owner-only: a queued message carries the reader's address and personal links.
            await using (var stream = new FileStream(temporary, PrivateFiles.Create(FileMode.CreateNew, FileAccess.Write, options: FileOptions.Asynchronous)))
            {
                if (envelopeSender is not null)
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(EnvelopeLines(message, envelopeSender)), cancellationToken);
                await message.WriteToAsync(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true); // on disk before it gets its final name
            }
            // CreateNew semantics for the final name, atomically: two sends of the same message must
            // not both succeed (.NET's File.Move(overwrite: false) checks then renames on Unix, a race).
            if (!MoveWithoutReplacing(temporary, path))
                return AlreadyWritten(path);
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

    private static string EnvelopeLines(MimeMessage message, MailboxAddress envelopeSender)
    {
        var lines = new StringBuilder($"X-Sender: {envelopeSender.Address}\r\n");
        foreach (var recipient in message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes))
            lines.Append($"X-Receiver: {recipient.Address}\r\n");
        return lines.ToString();
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

    /// <summary>Gives <paramref name="source"/> the name <paramref name="target"/> unless that name exists; false if it does.</summary>
    private static bool MoveWithoutReplacing(string source, string target)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(source, target, overwrite: false); // MoveFileEx without REPLACE_EXISTING: atomic
                return true;
            }
            catch (IOException) when (File.Exists(target))
            {
                return false;
            }
        }
        // link(2) fails with EEXIST if the name is taken: the check and the creation are one step.
        if (Link(source, target) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error == EExist)
                return false;
            throw new IOException($"could not name {target} ({Marshal.GetPInvokeErrorMessage(error)})");
        }
        File.Delete(source);
        return true;
    }

    private const int EExist = 17;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    private static SendReceipt AlreadyWritten(string path) => new($"already written {path} (same Message-ID): not written again");
}
