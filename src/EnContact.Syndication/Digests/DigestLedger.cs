using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// An append-only file, outside the database, listing every edition key that was built. If the
/// database is restored from an older backup, the editions built since are still listed here and
/// are not built (and sent) a second time. Lines are "key" + newline, flushed to disk.
/// </summary>
public sealed class DigestLedger(IOptions<DigestOptions> options, IHostEnvironment environment)
{
    private readonly Lock _lock = new();

    public string? Path { get; } = string.IsNullOrWhiteSpace(options.Value.LedgerPath)
        ? null : System.IO.Path.GetFullPath(options.Value.LedgerPath, environment.ContentRootPath);

    public bool Contains(string key)
    {
        if (Path is null || !File.Exists(Path))
            return false;
        lock (_lock)
            return File.ReadLines(Path).Any(line => line.Trim() == key);
    }

    public void Record(string key)
    {
        if (Path is null)
            return;
        lock (_lock)
        {
            if (Contains(key))
                return;
            PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(Path)!);
            using var stream = new FileStream(Path, PrivateFiles.Create(FileMode.Append, FileAccess.Write, FileShare.Read));
            stream.Write(System.Text.Encoding.UTF8.GetBytes(key + "\n"));
            stream.Flush(flushToDisk: true);
        }
    }
}
