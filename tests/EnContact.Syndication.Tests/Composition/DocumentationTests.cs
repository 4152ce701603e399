using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>
/// The documentation as it is in the repository (found by walking up to the solution file, so the
/// real files are read): the README stays a short guide, every link between the documents leads
/// somewhere that exists, nothing links outside the repository, and the README's test command is the
/// one CI runs.
/// </summary>
public sealed partial class DocumentationTests
{
    private const int ReadmeBudgetBytes = 12_288;

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>README.md, BENCHMARKS.md and every page of docs/, as paths relative to the repository root.</summary>
    private static List<string> DocumentPaths() =>
        [.. new[] { "README.md", "BENCHMARKS.md" }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root.Value, "docs"), "*.md").Select(p => Path.GetRelativePath(Root.Value, p).Replace('\\', '/')))
            .Order(StringComparer.Ordinal)];

    public static TheoryData<string> Documents() => new(DocumentPaths());

    [Fact]
    public void Readme_Size_FitsTheGuideBudget()
    {
        var bytes = new FileInfo(Path.Combine(Root.Value, "README.md")).Length;

        Assert.True(bytes <= ReadmeBudgetBytes, $"README.md is {bytes:N0} bytes; a guide read in five minutes stays within {ReadmeBudgetBytes:N0}: move reference material to docs/");
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void RelativeLinks_EveryDocument_PointToFilesThatExist(string document)
    {
        var broken = RelativeLinks(document)
            .Where(link => IsInsideRepository(link.Target) && !File.Exists(link.Target) && !Directory.Exists(link.Target))
            .Select(link => $"{document}: ({link.Raw}) → {Path.GetRelativePath(Root.Value, link.Target)} does not exist")
            .ToList();

        Assert.Empty(broken);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void RelativeLinks_EveryDocument_StayInsideTheRepository(string document)
    {
        var outside = RelativeLinks(document)
            .Where(link => !IsInsideRepository(link.Target))
            .Select(link => $"{document}: ({link.Raw}) leaves the repository")
            .ToList();

        Assert.Empty(outside);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void LinkFragments_IntoMarkdownFiles_NameAHeadingThatExists(string document)
    {
        var missing = RelativeLinks(document)
            .Where(link => link.Fragment is not null && link.Target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && File.Exists(link.Target))
            .Where(link => !HeadingSlugs(File.ReadAllText(link.Target)).Contains(Uri.UnescapeDataString(link.Fragment!)))
            .Select(link => $"{document}: ({link.Raw}) → no heading '#{link.Fragment}' in {Path.GetRelativePath(Root.Value, link.Target)}")
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void ReadmeTestCommand_ComparedWithCiScript_IsTheCommandCiRuns()
    {
        var ciCommands = File.ReadAllLines(Path.Combine(Root.Value, ".ci", "run"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("dotnet test", StringComparison.Ordinal))
            .ToList();
        var ciCommand = Assert.Single(ciCommands);

        // A line of a code block in the README, without its trailing comment.
        var readmeCommands = CodeBlockLines(File.ReadAllText(Path.Combine(Root.Value, "README.md")))
            .Select(line => Regex.Replace(line, @"\s+#.*$", "").Trim())
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains(ciCommand, readmeCommands);
    }

    [Fact]
    public void Documents_AsFound_AreEnoughForTheRulesAboveToMeanSomething()
    {
        var documents = DocumentPaths();
        var links = documents.SelectMany(RelativeLinks).ToList();

        Assert.Contains("docs/configuration.md", documents);
        Assert.Contains("docs/delivery.md", documents);
        Assert.True(links.Count >= 50, $"only {links.Count} relative links found in {documents.Count} documents: is the link pattern still right?");
        Assert.Contains(links, link => link.Fragment is not null);
    }

    [Theory]
    [InlineData("How a failed send is judged", "how-a-failed-send-is-judged")]
    [InlineData("HTTP again: `/feeds/all.atom` after the feed-serving changes (2026-12-03)", "http-again-feedsallatom-after-the-feed-serving-changes-2026-12-03")]
    [InlineData("Études et entretiens", "études-et-entretiens")]
    [InlineData("Archives (RFC 5005)", "archives-rfc-5005")]
    [InlineData("See [the guide](guide.md), *now*", "see-the-guide-now")]
    [InlineData("Batch sizes, 10,000 vs 100,000 (03:13–03:40 UTC)", "batch-sizes-10000-vs-100000-03130340-utc")]
    public void Slug_Heading_FollowsGitHubRules(string heading, string expected)
    {
        Assert.Equal(expected, Slug(heading));
    }

    [Fact]
    public void HeadingSlugs_RepeatedHeading_GetsANumberedSuffixAsOnGitHub()
    {
        var slugs = HeadingSlugs("# Feeds\n\n## Run\n\n```sh\n# not a heading\n```\n\n## Run\n");

        Assert.Equal(new[] { "feeds", "run", "run-1" }, slugs.Order(StringComparer.Ordinal));
    }

    /// <summary>A link of a document: as written, the file it leads to (absolute path), and its fragment.</summary>
    private sealed record Link(string Raw, string Target, string? Fragment);

    /// <summary>Every link of <paramref name="document"/> that is not to a web site or a mailbox (http, https, mailto), outside code.</summary>
    private static List<Link> RelativeLinks(string document)
    {
        var path = Path.Combine(Root.Value, document);
        var text = WithoutCode(File.ReadAllText(path));
        var targets = InlineLink().Matches(text).Select(m => m.Groups["target"].Value)
            .Concat(ReferenceDefinition().Matches(text).Select(m => m.Groups["target"].Value));
        var links = new List<Link>();
        foreach (var raw in targets)
        {
            var target = raw.Trim('<', '>');
            if (ExternalScheme().IsMatch(target))
                continue;
            var hash = target.IndexOf('#');
            var file = hash < 0 ? target : target[..hash];
            var fragment = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0
                ? path // "#heading": this document
                : Path.GetFullPath(Uri.UnescapeDataString(file).TrimStart('/'), file.StartsWith('/') ? Root.Value : Path.GetDirectoryName(path)!);
            links.Add(new Link(raw, resolved, fragment));
        }
        return links;
    }

    private static bool IsInsideRepository(string fullPath)
    {
        var root = Path.GetFullPath(Root.Value).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return (fullPath + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>The anchors GitHub gives the headings of a Markdown text (code blocks are not headings).</summary>
    private static HashSet<string> HeadingSlugs(string markdown)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var slugs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in OutsideCodeBlocks(markdown))
        {
            var heading = Heading().Match(line);
            if (!heading.Success)
                continue;
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            slugs.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return slugs;
    }

    /// <summary>
    /// GitHub's anchor for a heading: the text as rendered (links reduced to their text, code marks
    /// dropped), lower-cased, every character that is not a letter, a mark, a digit, '_', '-' or a
    /// space dropped, spaces turned into '-'. Accented letters stay.
    /// </summary>
    private static string Slug(string heading)
    {
        var rendered = InlineLink().Replace(heading, m => m.Groups["text"].Value).ToLowerInvariant();
        var slug = new StringBuilder(rendered.Length);
        foreach (var c in rendered)
        {
            var category = char.GetUnicodeCategory(c);
            if (c == ' ')
                slug.Append('-');
            else if (c == '-' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation)
                slug.Append(c);
        }
        return slug.ToString();
    }

    private static IEnumerable<string> OutsideCodeBlocks(string markdown)
    {
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (!inFence)
                yield return line;
        }
    }

    private static IEnumerable<string> CodeBlockLines(string markdown)
    {
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                inFence = !inFence;
            else if (inFence)
                yield return line;
        }
    }

    /// <summary>The text without fenced code blocks and inline code, where brackets are not links.</summary>
    private static string WithoutCode(string markdown) =>
        InlineCode().Replace(string.Join('\n', OutsideCodeBlocks(markdown)), "");

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EnContact.Syndication.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds EnContact.Syndication.sln");
    }

    [GeneratedRegex(@"\[(?<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?<target>[^()\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"^(https?|mailto):", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalScheme();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"`+[^`\n]*`+")]
    private static partial Regex InlineCode();
}
