using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Feeds;

/// <summary>
/// Where the feed of the weekly letter's archive gets the letters that went out. The digest feature
/// provides it and the composition root wires it: editions flow into the feeds, and this folder
/// knows nothing of how editions are made.
/// </summary>
public interface ILetterArchive
{
    /// <summary>Moves on when a letter is published; its value is <see cref="LetterArchiveContent.Version"/>.</summary>
    VersionSignal Changes { get; }

    Task<LetterArchiveContent> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The archive as its feed shows it: the feed's own URL and the archive page's, when the archive
/// opened (the date of a feed with no letter yet), the published letters, and their count as a version.
/// </summary>
public sealed record LetterArchiveContent(string FeedUrl, string PageUrl, DateTimeOffset OpenedAt, IReadOnlyList<Letter> Letters)
{
    public long Version => Letters.Count;
}

/// <summary>One letter that went out: number, subject, web version, when it was sent, its articles by section.</summary>
public sealed record Letter(int Number, string Subject, string Url, DateTimeOffset SentAt, IReadOnlyList<LetterSection> Sections);

/// <summary>A section of a letter (null name: articles without a section).</summary>
public sealed record LetterSection(string? Name, IReadOnlyList<LetterArticle> Articles);

public sealed record LetterArticle(string Title, string Url);
