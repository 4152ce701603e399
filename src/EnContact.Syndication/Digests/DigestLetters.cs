using EnContact.Syndication.Feeds;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;

namespace EnContact.Syndication.Digests;

/// <summary>The letters that went out, handed to the feed builder for the archive's feed (<c>/digests/feed.atom</c>).</summary>
public sealed class DigestLetters(DigestStore store, DigestRenderer renderer, SubscriberLinks links) : ILetterArchive
{
    public VersionSignal Changes => store.Published;

    public async Task<LetterArchiveContent> ReadAsync(CancellationToken cancellationToken)
    {
        var editions = await store.PublishedAsync(cancellationToken);
        var letters = editions.Select(e => new Letter(
            e.Snapshot.Number,
            e.Snapshot.Subject,
            renderer.WebVersionUrl(e.Snapshot.Number),
            e.Edition.QueuedAt ?? e.Snapshot.FireAt, // when it went out (an approved edition goes out after its fire time)
            [.. e.Snapshot.Sections.Select(s => new LetterSection(s.Name, [.. s.Items.Select(i => new LetterArticle(i.Title, i.Url))]))])).ToList();
        return new LetterArchiveContent(links.Absolute(DigestArchivePages.FeedPath), links.Absolute("digests"), await store.ArchiveOpenedAsync(cancellationToken), letters);
    }
}
