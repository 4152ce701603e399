namespace EnContact.Syndication.Delivery;

/// <summary>
/// The outcomes of an edition's latest attempts that ended (sent, or failed for good), at most
/// <see cref="Size"/> of them: the sample its failure ratio is judged on, after every settled message.
/// Old failures leave the window as new messages go through, so a resumed edition is judged on what
/// happens now, and pauses again at once while most of what it sends still fails.
/// </summary>
public sealed class FailureWindow(int size)
{
    private readonly Queue<bool> _outcomes = new(size);
    private int _failures;

    public int Size { get; } = size;

    public int Count => _outcomes.Count;

    public int Failures => _failures;

    public void Add(bool failed)
    {
        if (_outcomes.Count == Size && _outcomes.Dequeue())
            _failures--;
        _outcomes.Enqueue(failed);
        if (failed)
            _failures++;
    }

    /// <summary>Whether the window is full and at least <paramref name="ratio"/> of it failed.</summary>
    public bool Exceeds(double ratio) => _outcomes.Count >= Size && _failures >= ratio * _outcomes.Count;
}
