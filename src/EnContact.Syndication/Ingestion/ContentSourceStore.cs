using EnContact.Syndication.Storage;
using System.Data.Common;

namespace EnContact.Syndication.Ingestion;

/// <summary>What the content folder source remembers: the file behind each article and the files it could not read.</summary>
public sealed class ContentSourceStore(Database connections, TimeProvider time)
{
    public sealed record SourceFile(string Path, string ArticleId, string FileHash, long SizeBytes);

    public async Task<Dictionary<string, SourceFile>> LoadSourceFilesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT path, article_id, file_hash, size_bytes FROM source_files";
        var files = new Dictionary<string, SourceFile>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            files[reader.GetString(0)] = new SourceFile(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
        return files;
    }

    /// <summary>The file hash recorded with each current problem, so an unchanged broken file is not reported again on every rescan.</summary>
    public async Task<Dictionary<string, string?>> LoadProblemHashesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source, file_hash FROM ingestion_problems";
        var hashes = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            hashes[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return hashes;
    }

    public async Task<IReadOnlyList<IngestionProblem>> ListProblemsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source, line, reason, first_seen_at, last_seen_at FROM ingestion_problems ORDER BY source";
        var problems = new List<IngestionProblem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            problems.Add(new IngestionProblem(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetString(2),
                SqlValues.ReadInstant(reader.GetString(3)), SqlValues.ReadInstant(reader.GetString(4))));
        }
        return problems;
    }

    public async Task UpsertSourceFileAsync(DbConnection connection, DbTransaction transaction, SourceFile file, CancellationToken cancellationToken, PreparedCommands? commands = null)
    {
        await using var lease = CommandLease.For(commands, connection, transaction, """
            INSERT INTO source_files (path, article_id, file_hash, size_bytes, ingested_at) VALUES (@path, @article, @hash, @size, @now)
            ON CONFLICT (path) DO UPDATE SET article_id = excluded.article_id, file_hash = excluded.file_hash,
                size_bytes = excluded.size_bytes, ingested_at = excluded.ingested_at
            """);
        var command = lease.Command;
        command.Parameters.AddWithValue("@path", file.Path);
        command.Parameters.AddWithValue("@article", file.ArticleId);
        command.Parameters.AddWithValue("@hash", file.FileHash);
        command.Parameters.AddWithValue("@size", file.SizeBytes);
        command.Parameters.AddWithValue("@now", SqlValues.Instant(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteSourceFileAsync(DbConnection connection, DbTransaction transaction, string path, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM source_files WHERE path = @path";
        command.Parameters.AddWithValue("@path", path);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordProblemAsync(DbConnection connection, DbTransaction transaction, string source, int? line, string reason, string? fileHash, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO ingestion_problems (source, line, reason, file_hash, first_seen_at, last_seen_at) VALUES (@source, @line, @reason, @hash, @now, @now)
            ON CONFLICT (source) DO UPDATE SET line = excluded.line, reason = excluded.reason, file_hash = excluded.file_hash,
                last_seen_at = excluded.last_seen_at
            """;
        command.Parameters.AddWithValue("@source", source);
        command.Parameters.AddWithValue("@line", line is null ? DBNull.Value : line.Value);
        command.Parameters.AddWithValue("@reason", reason);
        command.Parameters.AddWithValue("@hash", SqlValues.OrNull(fileHash));
        command.Parameters.AddWithValue("@now", SqlValues.Instant(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ClearProblemAsync(DbConnection connection, DbTransaction transaction, string source, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM ingestion_problems WHERE source = @source";
        command.Parameters.AddWithValue("@source", source);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
