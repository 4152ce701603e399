namespace EnContact.Syndication.Storage;

/// <summary>
/// Writes many small records in few transactions without making any caller wait longer than one
/// transaction: each caller adds its record and awaits it; when no write is under way the caller
/// writes everything waiting at once, otherwise its record joins the next write, done by the caller
/// that is writing. Nothing is delayed by a timer and nothing is held in memory past its own write:
/// when a caller's task completes, its record is committed (or the write's error is its error).
/// Eight senders settling a message each share one commit instead of queuing for eight.
/// </summary>
/// <param name="write">Writes the records in one transaction; an exception fails every record of that write.</param>
/// <param name="maxPerWrite">The most records one transaction carries; the rest go in the next one.</param>
public sealed class GroupCommit<T>(Func<IReadOnlyList<T>, CancellationToken, Task> write, int maxPerWrite = 256)
{
    private readonly Lock _gate = new();
    private List<(T Record, TaskCompletionSource Done)> _waiting = [];
    private bool _writing;

    /// <summary>How many transactions were written, and how many records they carried (for tests and benchmarks).</summary>
    public (long Writes, long Records) Totals
    {
        get
        {
            lock (_gate)
                return (_writes, _records);
        }
    }

    private long _writes, _records;

    /// <summary>
    /// Completes once <paramref name="record"/> is committed. The write itself never observes the
    /// caller's token: a record another caller is writing cannot be taken back halfway, and the
    /// callers of a settle pass <see cref="CancellationToken.None"/> for the same reason.
    /// </summary>
    public Task AddAsync(T record)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add((record, done));
            if (_writing)
                return done.Task;
            _writing = true;
        }
        return WriteWaitingAsync(done.Task);
    }

    /// <summary>Writes what is waiting, again and again until nothing is, then hands the role back.</summary>
    private async Task WriteWaitingAsync(Task own)
    {
        while (true)
        {
            List<(T Record, TaskCompletionSource Done)> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    break;
                }
                if (_waiting.Count <= maxPerWrite)
                    (batch, _waiting) = (_waiting, []);
                else
                {
                    batch = _waiting[..maxPerWrite];
                    _waiting.RemoveRange(0, maxPerWrite);
                }
                _writes++;
                _records += batch.Count;
            }
            try
            {
                await write([.. batch.Select(b => b.Record)], CancellationToken.None);
                foreach (var (_, done) in batch)
                    done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch)
                    done.TrySetException(e);
            }
        }
        await own;
    }
}
