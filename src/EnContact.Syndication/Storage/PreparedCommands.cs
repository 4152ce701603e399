using System.Data.Common;

namespace EnContact.Syndication.Storage;

/// <summary>
/// Commands kept for one connection and run again with new parameters. SQLite compiles a command's
/// statement once and reuses it on the next run, whereas a new command compiles it again: for a run of
/// thousands of writes (an import) the compiling costs about as much as the writing. Used like its
/// connection: by one caller at a time.
/// </summary>
public sealed class PreparedCommands(DbConnection connection) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The command for <paramref name="sql"/>, in <paramref name="transaction"/>, with no parameters yet.</summary>
    public DbCommand For(DbTransaction? transaction, string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
            await command.DisposeAsync();
        _commands.Clear();
    }
}

/// <summary>A command from <see cref="PreparedCommands"/> (kept: not disposed) or made for one run (disposed).</summary>
public readonly struct CommandLease(DbCommand command, bool owned) : IAsyncDisposable
{
    public DbCommand Command => command;

    public ValueTask DisposeAsync() => owned ? command.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The kept command when there are <paramref name="commands"/>, otherwise a new one.</summary>
    public static CommandLease For(PreparedCommands? commands, DbConnection connection, DbTransaction? transaction, string sql)
    {
        if (commands is not null)
            return new CommandLease(commands.For(transaction, sql), owned: false);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return new CommandLease(command, owned: true);
    }
}
