using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace EnContact.Syndication.Ingestion;

/// <summary>What reading one content file gave: its bytes, or the problem and a marker that stays the same while the problem does.</summary>
public sealed record ContentRead(byte[]? Bytes, string? Problem, string Marker, long Size);

/// <summary>
/// How the scan finds and reads files without ever leaving the content folder or waiting on one.
/// Only regular files are read, never through a symbolic link (neither the file nor a folder on the
/// way to it): a link could lead anywhere on the machine, or round in circles. Pipes, devices and
/// sockets are never opened for reading (a pipe would block the scan, <c>/dev/zero</c> never ends),
/// and a read stops at the size limit whatever size the file claims.
/// </summary>
public static class ContentFiles
{
    /// <summary>Marks a recorded problem that is about what the entry is, not what it holds (it has no hash).</summary>
    public const string LinkMarker = "link", SpecialMarker = "special";

    public const string LinkProblem =
        "is a symbolic link: links are never followed, so that nothing outside the content folder is read; put the file itself in the folder";
    public static string LinkedFolderProblem(string folder) =>
        $"is inside '{folder}', a symbolic link: links are never followed, so that nothing outside the content folder is read";
    public const string SpecialProblem = "is not a regular file (a pipe, a device or a socket): only regular files are read";

    /// <summary>
    /// Relative paths of the article files under <paramref name="folder"/>, and of every symbolic link
    /// (reported, never followed: folder links are not descended into, so link loops cost nothing).
    /// Folders whose name starts with '.' or '_' are not walked.
    /// </summary>
    public static IEnumerable<string> Enumerate(string root, string folder)
    {
        if (folder != root && IsLink(folder))
            return [ContentPaths.Relative(root, folder)];
        return new FileSystemEnumerable<(string Path, bool IsLink)>(folder,
            (ref FileSystemEntry entry) => (ContentPaths.Relative(root, entry.ToFullPath()), IsLink(ref entry)),
            new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => IsLink(ref entry) || !entry.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry entry) => !IsLink(ref entry) && !IsIgnoredName(entry.FileName),
        }
        // A link is listed whatever its name (an editor learns why a linked folder shows nothing), unless in an ignored place.
        .Where(e => e.IsLink ? !e.Path.Split('/').Any(s => IsIgnoredName(s)) : ContentPaths.IsContentFile(e.Path))
        .Select(e => e.Path);
    }

    /// <summary>Whether the entry itself is a symbolic link (the link's own metadata, not its target's).</summary>
    public static bool IsLink(string fullPath)
    {
        try
        {
            return new FileInfo(fullPath).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<ContentRead> ReadAsync(string root, string relativePath, int maxBytes, CancellationToken cancellationToken)
    {
        var (handle, problem) = OperatingSystem.IsLinux() ? OpenBeneathLinux(root, relativePath) : OpenBeneathPortable(root, relativePath);
        if (handle is null)
            return problem!;
        using (handle)
        {
            var claimed = RandomAccess.GetLength(handle);
            if (claimed > maxBytes)
                return TooLarge(claimed, maxBytes);
            // Read to the limit and one byte beyond, whatever size the file claimed: it may be growing.
            var buffer = new byte[Math.Min(claimed, maxBytes) + 1];
            var filled = 0;
            while (true)
            {
                var read = await RandomAccess.ReadAsync(handle, buffer.AsMemory(filled), filled, cancellationToken);
                if (read == 0)
                    return new ContentRead(buffer[..filled], null, "", filled);
                filled += read;
                if (filled > maxBytes)
                    return TooLarge(filled, maxBytes);
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
            }
        }
    }

    private static ContentRead TooLarge(long size, int maxBytes) =>
        new(null, $"the file is {size / 1048576.0:0.0} MiB; the limit is {maxBytes / 1048576.0:0.0} MiB (Ingestion:MaxFileBytes)", $"size:{size}", size);

    private static ContentRead Special(string problem, string marker) => new(null, problem, marker, 0);

    private static ContentRead Unreadable(string reason) => new(null, $"the file cannot be read: {reason}", "unreadable", 0);

    /// <summary>
    /// Opens the file one folder at a time from the root, refusing a link at every step (O_NOFOLLOW),
    /// without blocking on a pipe (O_NONBLOCK), then checks that what was opened is a regular file.
    /// </summary>
    private static unsafe (SafeFileHandle? Handle, ContentRead? Problem) OpenBeneathLinux(string root, string relativePath)
    {
        var directoryFlags = Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_DIRECTORY | Tmds.Linux.LibC.O_CLOEXEC;
        var folder = OpenAt(Tmds.Linux.LibC.AT_FDCWD, root, directoryFlags);
        if (folder < 0)
            return (null, Unreadable($"the content folder cannot be opened ({ErrorText()})"));
        try
        {
            var parts = relativePath.Split('/');
            foreach (var part in parts[..^1])
            {
                var next = OpenAt(folder, part, directoryFlags | Tmds.Linux.LibC.O_NOFOLLOW);
                if (next < 0)
                    return (null, Marshal.GetLastPInvokeError() is var error && (error == Tmds.Linux.LibC.ELOOP || error == Tmds.Linux.LibC.ENOTDIR)
                        ? Special(LinkedFolderProblem(part), LinkMarker)
                        : Unreadable(ErrorText(error)));
                Tmds.Linux.LibC.close(folder);
                folder = next;
            }

            var file = OpenAt(folder, parts[^1],
                Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_NOFOLLOW | Tmds.Linux.LibC.O_NONBLOCK | Tmds.Linux.LibC.O_NOCTTY | Tmds.Linux.LibC.O_CLOEXEC);
            if (file < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return (null, error == Tmds.Linux.LibC.ELOOP ? Special(LinkProblem, LinkMarker)
                    : error == Tmds.Linux.LibC.ENXIO ? Special(SpecialProblem, SpecialMarker)
                    : Unreadable(ErrorText(error)));
            }
            Tmds.Linux.stat status;
            if (Tmds.Linux.LibC.fstat(file, &status) != 0 || !Tmds.Linux.LibC.S_ISREG(status.st_mode))
            {
                Tmds.Linux.LibC.close(file);
                return (null, Special(SpecialProblem, SpecialMarker));
            }
            return (new SafeFileHandle(file, ownsHandle: true), null);
        }
        finally
        {
            Tmds.Linux.LibC.close(folder);
        }
    }

    private static unsafe int OpenAt(int folder, string name, int flags)
    {
        fixed (byte* path = Encoding.UTF8.GetBytes(name + "\0"))
        {
            var fd = Tmds.Linux.LibC.openat(folder, path, flags, 0);
            Marshal.SetLastPInvokeError(fd < 0 ? Tmds.Linux.LibC.errno : 0);
            return fd;
        }
    }

    private static string ErrorText(int? error = null) => Marshal.GetPInvokeErrorMessage(error ?? Marshal.GetLastPInvokeError());

    /// <summary>Elsewhere than Linux: the same refusals from the file's and its folders' own metadata (a link swapped in between can still be followed).</summary>
    private static (SafeFileHandle? Handle, ContentRead? Problem) OpenBeneathPortable(string root, string relativePath)
    {
        var path = root;
        foreach (var part in relativePath.Split('/'))
        {
            path = Path.Combine(path, part);
            if (IsLink(path))
                return (null, Special(path == Path.Combine(root, relativePath) ? LinkProblem : LinkedFolderProblem(part), LinkMarker));
        }
        try
        {
            return (File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, Unreadable(e.Message));
        }
    }

    private static bool IsLink(ref FileSystemEntry entry) => (entry.Attributes & FileAttributes.ReparsePoint) != 0;

    private static bool IsIgnoredName(ReadOnlySpan<char> name) => name.StartsWith('.') || name.StartsWith('_');

}
