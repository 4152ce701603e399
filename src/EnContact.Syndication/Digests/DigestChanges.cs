using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Digests;

/// <summary>An edition approved, sent or finished by another gateway process: this one's letter feed and edition watchers learn of it.</summary>
public sealed class DigestChanges(DigestStore store) : IChangeSubscriber
{
    public string Topic => DigestStore.ChangeTopic;

    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        store.Published.Publish(await store.PublishedCountAsync(cancellationToken));
        store.Changes.Bump();
    }
}
