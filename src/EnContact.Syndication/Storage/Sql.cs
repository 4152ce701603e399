using System.Data;
using System.Data.Common;

namespace EnContact.Syndication.Storage;

/// <summary>The few ADO.NET steps every store repeats: a parameterised command, a statement, a single value.</summary>
public static class Sql
{
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return command;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The first column of the first row, or null (no row, or NULL).</summary>
    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    /// <summary>Adds a parameter with its value (null: SQL NULL), as each provider's own <c>AddWithValue</c> does.</summary>
    public static DbParameter AddWithValue(this DbParameterCollection parameters, string name, object? value) => parameters switch
    {
        Microsoft.Data.Sqlite.SqliteParameterCollection sqlite => sqlite.AddWithValue(name, value ?? DBNull.Value),
        Npgsql.NpgsqlParameterCollection npgsql => npgsql.AddWithValue(name, value ?? DBNull.Value),
        _ => throw new NotSupportedException($"no parameters for {parameters.GetType().Name}"),
    };

    /// <summary>A text parameter without a value yet, for a command run many times with different values.</summary>
    public static DbParameter AddText(this DbParameterCollection parameters, string name) =>
        parameters.AddWithValue(name, "").WithType(DbType.String);

    private static DbParameter WithType(this DbParameter parameter, DbType type)
    {
        parameter.DbType = type;
        return parameter;
    }
}
