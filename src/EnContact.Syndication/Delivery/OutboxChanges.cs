using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Delivery;

/// <summary>Messages queued or resumed by another gateway process: this one's senders wake and claim their share.</summary>
public sealed class OutboxChanges(OutboxSignal signal, OutboxStore outbox) : IChangeSubscriber
{
    public string Topic => OutboxStore.ChangeTopic;

    public Task CatchUpAsync(CancellationToken cancellationToken)
    {
        signal.Notify();
        outbox.Changes.Bump();
        return Task.CompletedTask;
    }
}
