using System.Data.Common;

namespace EnContact.Syndication.Storage;

/// <summary>
/// One parameterised statement run once per row inside a transaction (queuing an edition, settling
/// what a sender sent), without paying a round trip per row where the engine is across a network.
/// PostgreSQL: rows go <see cref="RowsPerRoundTrip"/> at a time in one <see cref="DbBatch"/>, which
/// Npgsql sends as a single exchange. SQLite runs in this process, so a prepared statement per row
/// costs nothing a batch would save (Microsoft.Data.Sqlite has no batches anyway).
/// The parameters are given once, by name; each row gives their values in that order (null: SQL NULL).
/// </summary>
public sealed class RowStatement : IAsyncDisposable
{
    public const int RowsPerRoundTrip = 1_000;

    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;
    private readonly string _sql;
    private readonly string[] _names;
    private readonly DbCommand? _prepared;
    private readonly List<object?[]> _waiting = [];

    public RowStatement(DbConnection connection, DbTransaction transaction, string sql, params string[] parameterNames)
    {
        (_connection, _transaction, _sql, _names) = (connection, transaction, sql, parameterNames);
        if (connection.CanCreateBatch)
            return;
        _prepared = Sql.Command(connection, transaction, sql);
        foreach (var name in parameterNames)
            _prepared.Parameters.AddWithValue(name, null);
        _prepared.Prepare();
    }

    /// <summary>Adds a row; returns the rows the statement changed when this row filled a round trip, else 0.</summary>
    public async Task<int> AddAsync(object?[] values, CancellationToken cancellationToken)
    {
        if (values.Length != _names.Length)
            throw new ArgumentException($"{values.Length} value(s) for {_names.Length} parameter(s)", nameof(values));
        if (_prepared is not null)
        {
            for (var i = 0; i < values.Length; i++)
                _prepared.Parameters[i].Value = values[i] ?? DBNull.Value;
            return await _prepared.ExecuteNonQueryAsync(cancellationToken);
        }
        _waiting.Add(values);
        return _waiting.Count >= RowsPerRoundTrip ? await FlushAsync(cancellationToken) : 0;
    }

    /// <summary>Runs the rows still waiting; returns the rows the statement changed. Call it before the commit.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (_waiting.Count == 0)
            return 0;
        await using var batch = _connection.CreateBatch();
        batch.Transaction = _transaction;
        foreach (var row in _waiting)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = _sql;
            for (var i = 0; i < row.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = _names[i];
                parameter.Value = row[i] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            batch.BatchCommands.Add(command);
        }
        _waiting.Clear();
        return await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_prepared is not null)
            await _prepared.DisposeAsync();
    }
}
