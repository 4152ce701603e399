using EnContact.Syndication.Articles;
using System.Data.Common;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Ingestion;

/// <summary>What a scan counts as it goes.</summary>
public sealed class ScanTally
{
    public int Files, Unchanged, Created, Updated, Renamed, Deleted, Problems;

    public ScanReport ToReport(int files, TimeSpan elapsed) => new(files, Unchanged, Created, Updated, Renamed, Deleted, Problems, elapsed);
}

/// <summary>A run of writes committed together; the change notification goes out after each commit.</summary>
public sealed class ScanBatch(Database connections, DbConnection connection, ArticleStore articles, HashSet<string> sourcesWithProblems) : IAsyncDisposable
{
    private long _version;

    /// <summary>Whether the source had a recorded problem when the scan began (only those need clearing).</summary>
    public bool HadProblem(string source) => sourcesWithProblems.Contains(source);

    public DbConnection Connection => connection;

    /// <summary>The batch's statements, compiled once for the whole scan.</summary>
    public PreparedCommands Commands { get; } = new(connection);
    public DbTransaction Transaction { get; private set; } = null!;
    public int Operations { get; set; }

    public async Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (Transaction is null)
            Transaction = await connections.BeginWriteAsync(connection, "articles", cancellationToken);
    }

    public void Track(long version) => _version = Math.Max(_version, version);

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (Transaction is null)
            return;
        await Transaction.CommitAsync(cancellationToken);
        await Transaction.DisposeAsync();
        Transaction = null!;
        Operations = 0;
        if (_version > 0)
            await articles.AnnounceAsync(_version, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
            await Transaction.DisposeAsync();
        await Commands.DisposeAsync();
    }
}
