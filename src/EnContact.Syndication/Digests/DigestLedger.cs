using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// An append-only file, outside the database, listing every edition key that was built. If the
/// database is restored from an older backup, the editions built since are still listed here and
/// are not built (and sent) a second time. Lines are "key" + newline, flushed to disk. With several
/// gateway processes each keeps its own file and copies into it every edition it sees in the
/// database (<see cref="Remember"/>), so whichever process builds after a restore knows them all.
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

    public void Record(string key) => Remember([key]);

    /// <summary>Appends the keys the file does not list yet, in one write.</summary>
    public void Remember(IEnumerable<string> keys)
    {
        if (Path is null)
            return;
        lock (_lock)
        {
            var known = File.Exists(Path) ? File.ReadLines(Path).Select(line => line.Trim()).ToHashSet(StringComparer.Ordinal) : [];
            var missing = keys.Where(key => !known.Contains(key)).Distinct(StringComparer.Ordinal).ToList();
            if (missing.Count == 0)
                return;
            PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(Path)!);
            using var stream = new FileStream(Path, PrivateFiles.Create(FileMode.Append, FileAccess.Write, FileShare.Read));
            stream.Write(System.Text.Encoding.UTF8.GetBytes(string.Concat(missing.Select(key => key + "\n"))));
            stream.Flush(flushToDisk: true);
        }
    }
}
