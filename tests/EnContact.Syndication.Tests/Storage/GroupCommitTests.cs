using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Tests.Storage;

public sealed class GroupCommitTests
{
    /// <summary>A write function that records each write and holds the first one until released.</summary>
    private sealed class HeldWrites
    {
        public readonly List<int[]> Writes = [];
        public readonly TaskCompletionSource FirstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource ReleaseFirst = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Exception? FailFirst;

        public async Task WriteAsync(IReadOnlyList<int> records, CancellationToken cancellationToken)
        {
            int count;
            lock (Writes)
            {
                Writes.Add([.. records]);
                count = Writes.Count;
            }
            if (count == 1)
            {
                FirstStarted.TrySetResult();
                await ReleaseFirst.Task;
                if (FailFirst is not null)
                    throw FailFirst;
            }
        }
    }

    [Fact]
    public async Task AddAsync_RecordsArrivingDuringAWrite_ShareTheNextWrite()
    {
        var writes = new HeldWrites();
        var commit = new GroupCommit<int>(writes.WriteAsync);

        var first = commit.AddAsync(1);
        await writes.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = Enumerable.Range(2, 7).Select(commit.AddAsync).ToArray();
        Assert.All(waiting, t => Assert.False(t.IsCompleted)); // not committed before their write
        writes.ReleaseFirst.SetResult();
        await Task.WhenAll([first, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([[1], [2, 3, 4, 5, 6, 7, 8]], writes.Writes);
        Assert.Equal((2L, 8L), commit.Totals);
    }

    [Fact]
    public async Task AddAsync_MoreWaitingThanOneWriteCarries_SplitsThemInOrder()
    {
        var writes = new HeldWrites();
        var commit = new GroupCommit<int>(writes.WriteAsync, maxPerWrite: 3);

        var first = commit.AddAsync(0);
        await writes.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = Enumerable.Range(1, 7).Select(commit.AddAsync).ToArray();
        writes.ReleaseFirst.SetResult();
        await Task.WhenAll([first, .. waiting]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([[0], [1, 2, 3], [4, 5, 6], [7]], writes.Writes);
    }

    [Fact]
    public async Task AddAsync_WriteFails_FailsOnlyThatWritesRecords_AndTheNextWriteGoesAhead()
    {
        var writes = new HeldWrites { FailFirst = new InvalidOperationException("database is locked") };
        var commit = new GroupCommit<int>(writes.WriteAsync);

        var first = commit.AddAsync(1);
        await writes.FirstStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = commit.AddAsync(2);
        writes.ReleaseFirst.SetResult();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("database is locked", error.Message);
        await second.WaitAsync(TimeSpan.FromSeconds(30)); // written by the next write, which succeeds
        Assert.Equal([[1], [2]], writes.Writes);

        await commit.AddAsync(3).WaitAsync(TimeSpan.FromSeconds(30)); // the writing role was handed back
        Assert.Equal([3], writes.Writes[^1]);
    }
}
