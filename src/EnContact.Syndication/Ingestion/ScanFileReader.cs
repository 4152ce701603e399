using System.Security.Cryptography;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// What reading one file gave the scan: unchanged since last time, still broken in the same way, a
/// problem (with its line when known), or a normalised draft under the id it resolves to.
/// </summary>
public sealed record FileOutcome(string Path, string Hash, long Size)
{
    public bool Unchanged { get; init; }
    public bool StillBroken { get; init; }
    public string? Problem { get; init; }
    public int? ProblemLine { get; init; }
    public ArticleDraft? Draft { get; init; }
    public bool IdFromFile { get; init; }
    public NormalizationResult? Result { get; init; }
}

/// <summary>What a scan already knows when it reads files: the files ingested, the problems recorded, and the files gone (for renames).</summary>
public sealed record ScanKnowledge(
    Dictionary<string, ContentSourceStore.SourceFile> Known, Dictionary<string, string?> ProblemHashes, Dictionary<string, string> GoneByHash);

/// <summary>
/// The part of a scan that needs no database and runs in parallel: read a file (safely, see
/// <see cref="ContentFiles"/>), hash it, skip it when nothing changed, parse its front matter,
/// resolve its id (front matter, the file's earlier id, the id of a file it was moved from, or its
/// path) and normalise it.
/// </summary>
public sealed class ScanFileReader(ArticleNormalizer normalizer, ILogger<ScanFileReader> logger)
{
    public async Task<FileOutcome> ReadAsync(string root, string path, int maxBytes, ScanKnowledge knowledge, CancellationToken cancellationToken)
    {
        var source = ContentPaths.SourceOf(path);
        var read = await ContentFiles.ReadAsync(root, path, maxBytes, cancellationToken);
        if (read.Bytes is not { } bytes)
        {
            return new FileOutcome(path, read.Marker, read.Size)
            {
                StillBroken = knowledge.ProblemHashes.TryGetValue(source, out var marker) && marker == read.Marker,
                Problem = read.Problem,
            };
        }

        var outcome = new FileOutcome(path, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
        if (knowledge.Known.TryGetValue(path, out var previous) && previous.FileHash == outcome.Hash)
            return outcome with { Unchanged = true };
        if (knowledge.ProblemHashes.TryGetValue(source, out var brokenHash) && brokenHash == outcome.Hash)
            return outcome with { StillBroken = true };

        try
        {
            return Parse(bytes, outcome, previous, knowledge);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One unreadable file must not stop the scan of the others.
            logger.LogError(e, "Unexpected failure reading {File}", path);
            return outcome with { Problem = $"the file could not be processed ({e.GetType().Name}: {e.Message})" };
        }
    }

    private FileOutcome Parse(byte[] bytes, FileOutcome outcome, ContentSourceStore.SourceFile? previous, ScanKnowledge knowledge)
    {
        var parsed = FrontMatterParser.Parse(bytes);
        foreach (var warning in parsed.Warnings)
            logger.LogWarning("{File}: {Warning}", outcome.Path, warning);
        if (parsed.Draft is null)
            return outcome with { Problem = parsed.Problem, ProblemLine = parsed.ProblemLine };

        var id = parsed.Draft.Id
            ?? previous?.ArticleId
            ?? (knowledge.GoneByHash.TryGetValue(outcome.Hash, out var movedFrom) ? knowledge.Known[movedFrom].ArticleId : null)
            ?? ContentPaths.DerivedId(outcome.Path);
        return outcome with
        {
            Draft = parsed.Draft,
            IdFromFile = parsed.Draft.Id is not null,
            Result = normalizer.Normalize(parsed.Draft, id, ContentPaths.SourceOf(outcome.Path)),
        };
    }
}
