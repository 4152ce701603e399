namespace EnContact.Syndication.Delivery;

/// <summary>Wakes idle delivery workers as soon as messages are queued or an edition resumes.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up is enough.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        WaitCoreAsync(timeout, time, cancellationToken);

    private async Task<bool> WaitCoreAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signalled = _signal.WaitAsync(wake.Token);
        var timer = Task.Delay(timeout, time, wake.Token);
        var first = await Task.WhenAny(signalled, timer);
        await wake.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first == signalled && signalled.IsCompletedSuccessfully;
    }
}
