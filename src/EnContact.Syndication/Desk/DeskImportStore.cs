using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Desk;

/// <summary>A subscriber import checked at the desk, waiting for its administrator to apply it.</summary>
public sealed record PendingImport(string Id, string FileName, string? Source, string Csv, DateTimeOffset CreatedAt);

/// <summary>
/// Imports between their dry run and their application, in the database (any gateway process takes the
/// second request; the file applied is the file checked). Only the staff member who checked one may
/// apply it, within <see cref="DeskOptions.ImportRetention"/>.
/// </summary>
public sealed class DeskImportStore(Database connections, TimeProvider time)
{
    public async Task<string> SaveAsync(string staff, string fileName, string? source, string csv, TimeSpan retention, CancellationToken cancellationToken)
    {
        var id = Subscribers.SubscriberStore.NewId();
        await using var connection = await connections.OpenAsync(cancellationToken);
        var now = time.GetUtcNow();
        // Abandoned imports go as new ones come: nothing keeps a file of addresses longer than needed.
        await ExecuteAsync(connection, null, "DELETE FROM desk_imports WHERE created_at < @cutoff", cancellationToken, ("@cutoff", SqlValues.Instant(now - retention)));
        await ExecuteAsync(connection, null, """
            INSERT INTO desk_imports (import_id, staff_name, file_name, source, csv, created_at) VALUES (@id, @staff, @file, @source, @csv, @now)
            """, cancellationToken, ("@id", id), ("@staff", staff), ("@file", fileName.Length > 200 ? fileName[..200] : fileName), ("@source", SqlValues.OrNull(source)),
            ("@csv", csv), ("@now", SqlValues.Instant(now)));
        return id;
    }

    /// <summary>Takes (reads and deletes) <paramref name="staff"/>'s import <paramref name="id"/> if it is younger than <paramref name="retention"/>.</summary>
    public async Task<PendingImport?> TakeAsync(string id, string staff, TimeSpan retention, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "desk-imports", cancellationToken);
        PendingImport? found = null;
        await using (var command = Command(connection, transaction, """
            SELECT import_id, file_name, source, csv, created_at FROM desk_imports WHERE import_id = @id AND staff_name = @staff AND created_at >= @cutoff
            """, ("@id", id), ("@staff", staff), ("@cutoff", SqlValues.Instant(time.GetUtcNow() - retention))))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            if (await reader.ReadAsync(cancellationToken))
                found = new PendingImport(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), SqlValues.ReadInstant(reader.GetString(4)));
        if (found is not null)
            await ExecuteAsync(connection, transaction, "DELETE FROM desk_imports WHERE import_id = @id", cancellationToken, ("@id", id));
        await transaction.CommitAsync(cancellationToken);
        return found;
    }
}
