using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Articles;

/// <summary>An article saved by another gateway process: this one's feed builder and scheduler learn its version from the store's change counter.</summary>
public sealed class ArticleChanges(ArticleStore store) : IChangeSubscriber
{
    public string Topic => ArticleStore.ChangeTopic;

    // CurrentVersionAsync publishes what it reads to the in-process notifier.
    public Task CatchUpAsync(CancellationToken cancellationToken) => store.CurrentVersionAsync(cancellationToken);
}
