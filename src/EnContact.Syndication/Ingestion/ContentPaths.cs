using EnContact.Syndication.Articles;

namespace EnContact.Syndication.Ingestion;

/// <summary>Which paths of the content folder a scan looks at, what counts as an article file, and how a path names an article.</summary>
public static class ContentPaths
{
    public static string SourceOf(string relativePath) => Article.FileSourcePrefix + relativePath;

    /// <summary>The relative path of a file source ("file:2026/a.md" → "2026/a.md"); null for any other source.</summary>
    public static string? PathOf(string source) =>
        source.StartsWith(Article.FileSourcePrefix, StringComparison.Ordinal) ? source[Article.FileSourcePrefix.Length..] : null;

    /// <summary>Markdown files, except README.md and anything whose name or folder starts with '.' or '_'.</summary>
    public static bool IsContentFile(string relativePath)
    {
        var segments = relativePath.Split('/');
        if (segments.Any(s => s.StartsWith('.') || s.StartsWith('_')))
            return false;
        var name = segments[^1];
        return !name.Equals("README.md", StringComparison.OrdinalIgnoreCase)
            && (name.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".markdown", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The id a file gets on first ingestion when its front matter has none: its path, as a slug ("2026/ia-et-crm.md" → "2026-ia-et-crm").</summary>
    public static string DerivedId(string relativePath)
    {
        var withoutExtension = relativePath[..relativePath.LastIndexOf('.')];
        var id = Slugs.From(withoutExtension);
        return id.Length == 0 ? "article" : id.Length > 90 ? id[..90].TrimEnd('-') : id;
    }

    /// <summary>
    /// The entries a scan reads (<c>present</c>) and the known ones that are gone. A full or import scan
    /// walks the folder; a scan of changes looks only at the paths an event named (a folder: all of it;
    /// a path that is gone: every known entry under it). <paramref name="tracked"/> are the paths the
    /// store knows: ingested files, and broken ones whose problem must go when they do.
    /// </summary>
    public static (List<string> Present, List<string> Gone) Find(string root, ScanMode mode, IReadOnlyCollection<string>? changedPaths, IReadOnlySet<string> tracked)
    {
        var present = new SortedSet<string>(StringComparer.Ordinal);
        var gone = new SortedSet<string>(StringComparer.Ordinal);
        if (mode == ScanMode.Changes)
        {
            foreach (var full in changedPaths ?? [])
                Classify(root, Path.GetFullPath(full, root), tracked, present, gone);
            gone.ExceptWith(present);
        }
        else
        {
            present.UnionWith(ContentFiles.Enumerate(root, root));
            if (mode == ScanMode.Full)
                gone.UnionWith(tracked.Where(k => !present.Contains(k)));
        }
        return (present.ToList(), gone.ToList());
    }

    private static void Classify(string root, string path, IReadOnlySet<string> tracked, SortedSet<string> present, SortedSet<string> gone)
    {
        var relative = Relative(root, path);
        if (relative.StartsWith("../", StringComparison.Ordinal) || relative == "..")
            return;
        if (ContentFiles.IsLink(path))
            present.Add(relative); // reported, never followed
        else if (File.Exists(path))
        {
            if (IsContentFile(relative))
                present.Add(relative);
        }
        else if (Directory.Exists(path))
            present.UnionWith(ContentFiles.Enumerate(root, path));
        else
        {
            var prefix = relative == "." ? "" : relative + "/";
            gone.UnionWith(tracked.Where(k => k == relative || k.StartsWith(prefix, StringComparison.Ordinal)));
        }
    }

    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
