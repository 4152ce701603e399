namespace EnContact.Syndication.Ingestion;

/// <summary>
/// An article as an editor wrote it, before validation: from a file's front matter and body, or
/// from an admin API request. Both sources go through <see cref="ArticleNormalizer"/>.
/// </summary>
public sealed record ArticleDraft
{
    public string? Id { get; init; }
    public string? Title { get; init; }
    public string? Slug { get; init; }
    public string? Published { get; init; }
    public string? Updated { get; init; }
    public IReadOnlyList<string>? Authors { get; init; }
    public string? Section { get; init; }
    public string? Issue { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public string? Access { get; init; }
    public string? Language { get; init; }
    public string? Summary { get; init; }
    public string? Image { get; init; }
    public bool Draft { get; init; }
    /// <summary>The body in Markdown (files, or the API's <c>contentMarkdown</c>).</summary>
    public string? BodyMarkdown { get; init; }
    /// <summary>The body as HTML (the API's <c>contentHtml</c>); sanitised like rendered Markdown.</summary>
    public string? BodyHtml { get; init; }
    /// <summary>For files: the line each front-matter key stands on, so errors can name it.</summary>
    public IReadOnlyDictionary<string, int> Lines { get; init; } = new Dictionary<string, int>();
}

/// <summary>One thing wrong with a draft: the field (front-matter key or JSON property), what is wrong, and the line in the file when known.</summary>
public sealed record FieldError(string Field, string Message, int? Line = null)
{
    public override string ToString() => Line is { } line ? $"line {line}: {Field}: {Message}" : $"{Field}: {Message}";
}
