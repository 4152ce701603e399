using System.Security.Cryptography;
using System.Text;

namespace EnContact.Syndication.Templating;

/// <summary>
/// The <c>.cshtml</c> files of some sub-folders of the templates folder, with a hash of their names and
/// contents and of what their compiled form depends on (the gateway's own build, RazorLight, the runtime):
/// two folders with the same hash compile to the same assembly.
/// </summary>
public sealed record TemplateSources(string Root, IReadOnlyList<TemplateSource> Files, string Hash)
{
    public static TemplateSources Read(string root, IEnumerable<string> folders)
    {
        var files = folders
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cshtml", SearchOption.AllDirectories))
            .Select(file => new TemplateSource(Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllBytes(file)))
            .DistinctBy(file => file.Name, StringComparer.Ordinal)
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // A new build of the gateway (its models), of RazorLight or of the runtime invalidates every compiled template.
        foreach (var dependency in new[] { typeof(TemplateSources).Assembly, typeof(RazorLight.RazorLightEngine).Assembly })
            hash.AppendData(dependency.ManifestModule.ModuleVersionId.ToByteArray());
        hash.AppendData(Encoding.UTF8.GetBytes(Environment.Version.ToString()));
        foreach (var file in files)
        {
            // Length-prefixed, so that no two different sets of files hash alike.
            var name = Encoding.UTF8.GetBytes(file.Name);
            hash.AppendData(BitConverter.GetBytes(name.Length));
            hash.AppendData(name);
            hash.AppendData(BitConverter.GetBytes(file.Content.Length));
            hash.AppendData(file.Content);
        }
        return new TemplateSources(root, files, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}

/// <summary>One template: its name under the templates folder (<c>pages/Confirm.cshtml</c>) and its bytes.</summary>
public sealed record TemplateSource(string Name, byte[] Content);
