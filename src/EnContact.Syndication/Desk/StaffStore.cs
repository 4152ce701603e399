using System.Data.Common;
using System.Security.Cryptography;
using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Desk;

/// <summary>The staff accounts: SQL only. Names are kept lower-case, so "Claire" and "claire" are one account.</summary>
public sealed class StaffStore(Database connections, TimeProvider time)
{
    private const string Columns = "name, email, role, security_stamp, failed_sign_ins, locked_until, last_sign_in_at, created_at";

    public static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Creates an account; false when the name is taken.</summary>
    public async Task<bool> AddAsync(string name, string email, StaffRole role, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var now = SqlValues.Instant(time.GetUtcNow());
        return await ExecuteAsync(connection, null, """
            INSERT INTO staff (name, email, role, password_hash, security_stamp, failed_sign_ins, created_at, updated_at)
            VALUES (@name, @email, @role, @hash, @stamp, 0, @now, @now)
            ON CONFLICT (name) DO NOTHING
            """, cancellationToken, ("@name", name), ("@email", email), ("@role", EnumText.Of(role)), ("@hash", passwordHash), ("@stamp", NewStamp()), ("@now", now)) == 1;
    }

    public async Task<IReadOnlyList<StaffMember>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM staff ORDER BY name");
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<StaffMember?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await FindWithHashAsync(name, cancellationToken))?.Member;

    /// <summary>The account and its password hash, for the sign-in check.</summary>
    public async Task<(StaffMember Member, string PasswordHash)?> FindWithHashAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns}, password_hash FROM staff WHERE name = @name", ("@name", name));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetString(8)) : null;
    }

    /// <summary>Removes an account; its sessions end at their next request (the stamp no longer matches anything).</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM staff WHERE name = @name", cancellationToken, ("@name", name)) == 1;
    }

    /// <summary>Sets a new password, lifts a lock-out and ends every open session of the account.</summary>
    public async Task<bool> SetPasswordAsync(string name, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, """
            UPDATE staff SET password_hash = @hash, security_stamp = @stamp, failed_sign_ins = 0, locked_until = NULL, updated_at = @now WHERE name = @name
            """, cancellationToken, ("@name", name), ("@hash", passwordHash), ("@stamp", NewStamp()), ("@now", SqlValues.Instant(time.GetUtcNow()))) == 1;
    }

    /// <summary>
    /// Counts a failed sign-in; at <paramref name="limit"/> failures in a row the account is locked for
    /// <paramref name="lockout"/> and the count starts again. Counted in one statement, so two gateway
    /// processes guessing at once cannot both slip under the limit.
    /// </summary>
    public async Task RecordFailureAsync(string name, int limit, TimeSpan lockout, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            UPDATE staff SET
                locked_until = CASE WHEN failed_sign_ins + 1 >= @limit THEN @until ELSE locked_until END,
                failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= @limit THEN 0 ELSE failed_sign_ins + 1 END,
                updated_at = @now
            WHERE name = @name
            """, cancellationToken, ("@name", name), ("@limit", limit), ("@until", SqlValues.Instant(time.GetUtcNow() + lockout)), ("@now", SqlValues.Instant(time.GetUtcNow())));
    }

    public async Task RecordSuccessAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var now = SqlValues.Instant(time.GetUtcNow());
        await ExecuteAsync(connection, null, "UPDATE staff SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = @now, updated_at = @now WHERE name = @name",
            cancellationToken, ("@name", name), ("@now", now));
    }

    private static async Task<List<StaffMember>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<StaffMember>();
        while (await reader.ReadAsync(cancellationToken))
            result.Add(Read(reader));
        return result;
    }

    private static StaffMember Read(DbDataReader reader)
    {
        DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : SqlValues.ReadInstant(reader.GetString(i));
        return new StaffMember(reader.GetString(0), reader.GetString(1), EnumText.Parse<StaffRole>(reader.GetString(2), "staff role"), reader.GetString(3),
            Convert.ToInt32(reader.GetValue(4)), At(5), At(6), SqlValues.ReadInstant(reader.GetString(7)));
    }
}
