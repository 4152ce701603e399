namespace EnContact.Syndication.Storage;

/// <summary>
/// Files that hold subscribers' data or secrets (the database and its journals, the digest ledger,
/// queued mail, keys) are the gateway's alone: on Unix, created 0600 in folders created 0700, so
/// another account on the machine cannot read them whatever its umask.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder (and missing parents) owner-only; an existing folder is left as the operator set it.</summary>
    public static void CreateFolder(string path)
    {
        if (Directory.Exists(path))
            return;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // .NET gives the mode to the last folder only: each missing parent is made here, owner-only too.
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
            CreateFolder(parent);
        Directory.CreateDirectory(path, FolderMode);
    }

    /// <summary>Options that create a file owner-only (on Unix), for a <see cref="FileStream"/>.</summary>
    public static FileStreamOptions Create(System.IO.FileMode mode, FileAccess access, FileShare share = FileShare.None, FileOptions options = FileOptions.None)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = share, Options = options };
        if (!OperatingSystem.IsWindows())
            result.UnixCreateMode = FileMode;
        return result;
    }

    /// <summary>Makes an existing file owner-only if it is readable by others (a file from an earlier release).</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
            return;
        if ((File.GetUnixFileMode(path) & ~FileMode) != 0)
            File.SetUnixFileMode(path, FileMode);
    }

    /// <summary>Writes a new owner-only file holding <paramref name="text"/> (it must not exist yet).</summary>
    public static void WriteNew(string path, string text)
    {
        CreateFolder(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, Create(System.IO.FileMode.CreateNew, FileAccess.Write));
        stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
