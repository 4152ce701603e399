namespace EnContact.Syndication.Sources;

/// <summary>One item of an upstream feed, as the feed said it, with its URLs made absolute.</summary>
public sealed record UpstreamItem
{
    /// <summary>The item's own identity: its guid, Atom id or JSON Feed id; its link when it has none.</summary>
    public required string Key { get; init; }
    public string? Title { get; init; }
    public string? Link { get; init; }
    /// <summary>The full text (content:encoded, Atom content, content_html) as HTML, URLs absolute.</summary>
    public string? ContentHtml { get; init; }
    /// <summary>The description, Atom summary or JSON Feed summary, possibly with markup.</summary>
    public string? Summary { get; init; }
    public IReadOnlyList<string> Authors { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public DateTimeOffset? Published { get; init; }
    public DateTimeOffset? Updated { get; init; }
    public string? Image { get; init; }
}

/// <summary>
/// A parsed feed document: its items in document order (first of a duplicate key kept), what was wrong
/// with parts of it (an item that could not be read, a repeated id, a date no reader understands), and
/// the links to older pages (RFC 5005 <c>prev-archive</c>, paged <c>next</c>, JSON Feed <c>next_url</c>).
/// </summary>
public sealed record UpstreamDocument(IReadOnlyList<UpstreamItem> Items, IReadOnlyList<string> Notes, Uri? OlderPage, string Format);

/// <summary>A document that cannot be read at all (not well-formed, not a feed).</summary>
public sealed class UnreadableFeedException(string message, Exception? inner = null) : Exception(message, inner);
