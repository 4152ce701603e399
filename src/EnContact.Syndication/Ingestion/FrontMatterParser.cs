using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace EnContact.Syndication.Ingestion;

/// <summary>What reading one content file gave: a draft (with warnings), or the reason it cannot be read and the line where known.</summary>
public sealed record ParsedFile(ArticleDraft? Draft, string? Problem, int? ProblemLine, IReadOnlyList<FieldError> Warnings);

/// <summary>
/// Reads a Markdown file with YAML front matter between <c>---</c> lines. The YAML is read as a
/// node tree (not bound to a class) so every error names the line it stands on.
/// </summary>
public static class FrontMatterParser
{
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>(StringComparer.Ordinal)
    {
        "id", "title", "slug", "published", "updated", "authors", "section", "issue", "tags", "access",
        "language", "summary", "image", "draft",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Line 1 is the opening '---': YAML line n is file line n + 1.</summary>
    private const int FirstYamlLine = 2;

    /// <summary>Reads the file in steps, each of which may stop it with a problem: decode, frame, indentation, YAML, keys, values.</summary>
    public static ParsedFile Parse(ReadOnlySpan<byte> bytes)
    {
        if (Decode(bytes, out var text) is { } notUtf8)
            return notUtf8;
        if (Frame(text, out var yamlLines, out var body) is { } unframed)
            return unframed;
        if (CheckIndentation(yamlLines) is { } tabbed)
            return tabbed;
        if (Load(string.Join('\n', yamlLines), out var root) is { } invalid)
            return invalid;
        if (ReadKeys(root, out var values, out var lineOf, out var warnings) is { } repeated)
            return repeated;
        return ReadDraft(values, lineOf, warnings, body);
    }

    /// <summary>UTF-8 (a BOM is skipped); a bad byte is named with its offset and line.</summary>
    private static ParsedFile? Decode(ReadOnlySpan<byte> bytes, out string text)
    {
        if (bytes.StartsWith("\uFEFF"u8))
            bytes = bytes[3..];
        try
        {
            text = StrictUtf8.GetString(bytes);
            return null;
        }
        catch (DecoderFallbackException e)
        {
            text = "";
            var offset = Math.Max(0, e.Index);
            var line = 1 + bytes[..Math.Min(offset, bytes.Length)].Count((byte)'\n');
            return Fail($"the file is not valid UTF-8 (bad byte at offset {offset}); save it as UTF-8", line);
        }
    }

    /// <summary>The front matter's lines between the opening '---' and the closing '---' (or '...'), and the body after it.</summary>
    private static ParsedFile? Frame(string text, out string[] yamlLines, out string body)
    {
        (yamlLines, body) = ([], "");
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd('\r', ' ', '\t') != "---")
            return Fail("the file does not start with a '---' line opening the YAML front matter", 1);
        var close = Array.FindIndex(lines, 1, line => line.TrimEnd('\r', ' ', '\t') is "---" or "...");
        if (close < 0)
            return Fail("the front matter is never closed: add a '---' line after it", 1);
        yamlLines = lines[1..close];
        body = string.Join('\n', lines[(close + 1)..]);
        return null;
    }

    /// <summary>YAML forbids tabs in indentation, and YamlDotNet reports that at the wrong line: say it here.</summary>
    private static ParsedFile? CheckIndentation(string[] yamlLines)
    {
        for (var i = 0; i < yamlLines.Length; i++)
        {
            var indentation = yamlLines[i][..(yamlLines[i].Length - yamlLines[i].TrimStart(' ', '\t').Length)];
            if (indentation.Contains('\t'))
                return Fail("invalid YAML: a tab is used for indentation; indent with spaces", FirstYamlLine + i);
        }
        return null;
    }

    /// <summary>The YAML as a mapping, its nesting bounded before the tree is built.</summary>
    private static ParsedFile? Load(string yaml, out YamlMappingNode root)
    {
        root = null!;
        try
        {
            if (NestingTooDeep(yaml) is { } deepLine)
                return Fail($"the front matter nests lists or mappings more than {MaxNesting} levels deep; it is a list of 'key: value' lines whose values are single values or short lists", FirstYamlLine - 1 + deepLine);
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                return Fail("the front matter is not a list of 'key: value' lines", FirstYamlLine);
            root = mapping;
            return null;
        }
        catch (YamlException e)
        {
            return Fail($"invalid YAML: {Describe(e)}", FirstYamlLine - 1 + (int)e.Start.Line);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way (without a position) on some unclosed brackets.
            return Fail("invalid YAML: the parser stopped inside the front matter; check for an unclosed [ ] or { } or quote", null);
        }
    }

    /// <summary>The known keys with their values and lines; an unknown key is a warning, a key given twice a problem.</summary>
    private static ParsedFile? ReadKeys(YamlMappingNode root, out Dictionary<string, YamlNode> values, out Dictionary<string, int> lineOf, out List<FieldError> warnings)
    {
        (values, lineOf, warnings) = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), []);
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var line = FirstYamlLine - 1 + (int)keyNode.Start.Line;
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!Keys.Contains(key))
            {
                warnings.Add(new FieldError(key, $"unknown front-matter key, ignored (known keys: {string.Join(", ", Keys)})", line));
                continue;
            }
            if (!values.TryAdd(key, valueNode))
                return Fail($"'{key}' is given twice", line);
            lineOf[key] = line;
        }
        return null;
    }

    /// <summary>The draft from the values: single values and lists where each is expected; the first wrong shape is the problem.</summary>
    private static ParsedFile ReadDraft(Dictionary<string, YamlNode> values, Dictionary<string, int> lineOf, List<FieldError> warnings, string body)
    {
        string? problem = null;
        int? problemLine = null;
        string? Scalar(string key)
        {
            if (!values.TryGetValue(key, out var node) || problem is not null)
                return null;
            if (node is YamlScalarNode scalar)
                return IsNull(scalar) ? null : scalar.Value;
            (problem, problemLine) = ($"'{key}' must be a single value, not a list or a mapping", lineOf[key]);
            return null;
        }

        IReadOnlyList<string>? Sequence(string key)
        {
            if (!values.TryGetValue(key, out var node) || problem is not null)
                return null;
            switch (node)
            {
                case YamlScalarNode scalar:
                    return IsNull(scalar) ? null : [scalar.Value!];
                case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                    return sequence.Children.Cast<YamlScalarNode>().Where(s => !IsNull(s)).Select(s => s.Value!).ToArray();
                default:
                    (problem, problemLine) = ($"'{key}' must be a value or a list of values", lineOf[key]);
                    return null;
            }
        }

        var draftText = Scalar("draft");
        var draft = false;
        if (draftText is not null && !TryParseBoolean(draftText, out draft))
        {
            problem ??= $"draft: '{draftText}' is not true or false";
            problemLine ??= lineOf["draft"];
        }
        var result = new ArticleDraft
        {
            Id = Scalar("id")?.Trim(),
            Title = Scalar("title"),
            Slug = Scalar("slug"),
            Published = Scalar("published"),
            Updated = Scalar("updated"),
            Authors = Sequence("authors"),
            Section = Scalar("section"),
            Issue = Scalar("issue"),
            Tags = Sequence("tags"),
            Access = Scalar("access"),
            Language = Scalar("language"),
            Summary = Scalar("summary"),
            Image = Scalar("image"),
            Draft = draft,
            BodyMarkdown = body,
            Lines = lineOf,
        };
        return problem is not null ? Fail(problem, problemLine) : new ParsedFile(result, null, null, warnings);
    }

    private static ParsedFile Fail(string problem, int? line) => new(null, problem, line, []);

    /// <summary>How deep lists and mappings may nest: the front matter's own mapping, a list, and room for a clear error beyond.</summary>
    public const int MaxNesting = 4;

    /// <summary>
    /// The line where nesting first goes deeper than <see cref="MaxNesting"/>, read from the parser's
    /// events (an iterative state machine), before the node tree is built: building it recurses once
    /// per level, and 30,000 levels overflow the stack, which no handler can catch.
    /// </summary>
    private static int? NestingTooDeep(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart when ++depth > MaxNesting:
                    return (int)parser.Current!.Start.Line;
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
        return null;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "on": value = true; return true;
            case "false" or "no" or "off": value = false; return true;
            default: value = false; return false;
        }
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: …) - (…): "; keep only the reason.
        var message = e.InnerException?.Message ?? e.Message;
        var dash = message.LastIndexOf("): ", StringComparison.Ordinal);
        return dash >= 0 ? message[(dash + 3)..] : message;
    }
}
