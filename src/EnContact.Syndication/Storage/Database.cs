using System.Data.Common;

namespace EnContact.Syndication.Storage;

/// <summary>
/// The storage seam: stores speak ADO.NET (<see cref="DbConnection"/>, <see cref="DbTransaction"/>)
/// and portable SQL, and ask this class for the few things the engines do differently — how a
/// write transaction keeps others out of what it reads, how a claim skips rows another process
/// holds, how a list goes into a query, how one process leads, and how a change reaches the
/// other processes.
/// </summary>
public abstract class Database : IAsyncDisposable
{
    public abstract StorageProvider Provider { get; }

    /// <summary>Where the data lives, for logs and the start-up summary (never a password).</summary>
    public abstract string Description { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A connection for the record of what a claimed message became (sent, failed, back to the queue),
    /// whose commits do not wait for the disk. A crash of a gateway loses nothing that committed; only
    /// a crash of the database server can lose the last moment of such records, and a lost one leaves
    /// its message claimed: it goes out again when the lease ends, with the same Message-ID, which is
    /// the duplicate a gateway killed between the relay's reply and the record already risks. In
    /// exchange the sender does not wait for a disk flush per message. PostgreSQL:
    /// <c>synchronous_commit = off</c> for these sessions; SQLite: the usual connection (with
    /// <c>synchronous = NORMAL</c> its commits do not wait for the disk either).
    /// </summary>
    public virtual Task<DbConnection> OpenForOutcomesAsync(CancellationToken cancellationToken) => OpenAsync(cancellationToken);

    /// <summary>
    /// A transaction for a read-modify-write. <paramref name="scope"/> names what it reads before it
    /// writes ("articles", "digest-editions"): two such transactions with one scope never overlap.
    /// SQLite: <c>BEGIN IMMEDIATE</c>, one writer at a time whatever the scope. PostgreSQL: read
    /// committed plus a transaction-scoped advisory lock on the scope; null takes no lock, for a
    /// transaction whose rows are locked otherwise (a claim that skips locked rows).
    /// </summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, string? scope, CancellationToken cancellationToken);

    /// <summary>
    /// The clause a claim's <c>SELECT</c> ends with so that two processes never take the same rows
    /// and neither waits for the other: <c>FOR UPDATE OF alias SKIP LOCKED</c> on PostgreSQL;
    /// nothing on SQLite, where the write transaction already excludes every other writer.
    /// </summary>
    public abstract string SkipLocked(string alias);

    /// <summary>
    /// <c>column</c> is one of <paramref name="values"/>: <c>= ANY(@name)</c> with one array parameter
    /// on PostgreSQL, <c>IN (@name0, @name1…)</c> on SQLite. Callers split longer lists into
    /// <see cref="MaxListSize"/> pieces.
    /// </summary>
    public abstract string InList(DbCommand command, string column, string name, IReadOnlyCollection<string> values);

    /// <summary>The longest list <see cref="InList"/> takes in one query.</summary>
    public abstract int MaxListSize { get; }

    /// <summary>
    /// Tells the other gateway processes that <paramref name="topic"/> changed (PostgreSQL
    /// <c>NOTIFY</c>), after the change committed. A process that dies before announcing delays the
    /// news until the others' next poll (<see cref="StorageOptions.ChangePollInterval"/>). SQLite
    /// serves one process: nothing to do.
    /// </summary>
    public abstract Task AnnounceAsync(string topic, CancellationToken cancellationToken);

    /// <summary>
    /// Tries to become the one process doing <paramref name="role"/> (watching the content folder…):
    /// a handle while this process leads, or null when another does. The lead ends when the handle is
    /// disposed or this process dies (PostgreSQL: a session advisory lock on a connection of its own).
    /// </summary>
    public abstract Task<Leadership?> TryLeadAsync(string role, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>This process's lead of a role; <see cref="IsHeldAsync"/> checks it is still held (the connection may have dropped).</summary>
public abstract class Leadership : IAsyncDisposable
{
    public abstract string Role { get; }

    public abstract Task<bool> IsHeldAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
