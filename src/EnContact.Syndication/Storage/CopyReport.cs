namespace EnContact.Syndication.Storage;

/// <summary>
/// What a copy moved: each table with its rows (counted in the source and in the target before the
/// commit, and equal), the schema version both databases are at, and how long it took.
/// </summary>
public sealed record CopyReport(IReadOnlyList<TableCount> Tables, int SchemaVersion, TimeSpan Elapsed)
{
    public long Rows => Tables.Sum(t => t.Rows);
}

/// <summary>One table and its rows.</summary>
public sealed record TableCount(string Table, long Rows);

/// <summary>Why a copy stopped. The target transaction was rolled back: nothing of the copy reached it.</summary>
public class TableCopyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The target already holds rows of its own: copying into it would mix two databases' data.</summary>
public sealed class TargetNotEmptyException(string table)
    : TableCopyException($"the target already holds data (table {table} has rows): the copy only fills an empty database, so nothing was written")
{
    public string Table { get; } = table;
}
