namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>Article files for tests, and the project's own sample content copied next to the test assembly.</summary>
public static class SampleArticles
{
    /// <summary>The repository's content/ folder as copied into the test output (SampleContent/).</summary>
    public static string SampleContentFolder => Path.Combine(AppContext.BaseDirectory, "SampleContent");

    /// <summary>Copies the project's sample articles (content/) into <paramref name="folder"/>.</summary>
    public static void CopySampleContentTo(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(SampleContentFolder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(folder, Path.GetRelativePath(SampleContentFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public static string Markdown(
        string title = "Les centres de contacts face à l’IA",
        string published = "2026-11-20 09:30",
        string? extraFrontMatter = null,
        string body = "Premier paragraphe de l’article.\n\n## Intertitre\n\nSuite du texte.")
    {
        var front = $"---\ntitle: \"{title.Replace("\"", "\\\"")}\"\npublished: {published}\nauthors: [Claire Dubois]\nsection: analyses\nissue: En-Contact 50\ntags: [ia, crm]\n";
        if (extraFrontMatter is not null)
            front += extraFrontMatter.TrimEnd('\n') + "\n";
        return front + "---\n" + body + "\n";
    }
}
