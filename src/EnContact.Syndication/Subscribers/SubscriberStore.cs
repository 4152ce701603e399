using System.Data.Common;
using System.Security.Cryptography;
using EnContact.Syndication.Storage;
using static EnContact.Syndication.Storage.Sql;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// The subscribers table and the suppression list it shares with delivery. Every change that must
/// hold together (confirming and lifting a suppression, unsubscribing and suppressing, erasing) is
/// one transaction.
/// </summary>
public sealed partial class SubscriberStore(Database connections, PersonalData personalData, TimeProvider time)
{
    public const int MaxPageSize = 1000;

    /// <summary>Confirmation links of one address that work at the same time (the newest ones).</summary>
    public const int MaxOutstandingRequests = 10;

    private const string Columns = """
        s.subscriber_id, s.address, s.name, s.status, s.all_sections, s.consent_at, s.consent_source,
        s.created_at, s.updated_at, s.confirmed_at, s.unsubscribed_at,
        (SELECT reason FROM suppressions x WHERE x.address = s.address)
        """;

    /// <summary>What the admin search matches: address and name, lower-cased for every script (SQL's LIKE folds ASCII only).</summary>
    public static string SearchKey(string address, string? name) => (address + "\n" + name).ToLowerInvariant();

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public async Task<Subscriber?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await QueryAsync(connection, null, "WHERE s.subscriber_id = @id", [("@id", id)], cancellationToken)).SingleOrDefault();
    }

    public async Task<Subscriber?> FindAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await QueryAsync(connection, null, "WHERE s.address = @address", [("@address", address)], cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Someone asked (form or API) to subscribe <paramref name="request"/>'s address. Creates a pending
    /// subscriber if the address is new; says which mail to send (a confirmation, or "you are already
    /// subscribed") or that none may be sent yet (too soon after the last one, or too many today).
    /// A confirmation is recorded with its own nonce and choices (<see cref="MaxOutstandingRequests"/>
    /// kept): asking again never changes what an earlier link confirms, nor the subscriber's settings.
    /// Only the person, through a link, can.
    /// </summary>
    public async Task<ConfirmationPlan> PlanConfirmationAsync(SubscriptionRequest request, TimeSpan resendInterval, int maxPerDay, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = now.UtcDateTime.ToString("yyyy-MM-dd");
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);

        var id = NewId();
        var created = await ExecuteAsync(connection, transaction, """
            INSERT INTO subscribers (subscriber_id, address, name, search_key, status, all_sections, consent_source, confirm_day_count, created_at, updated_at)
            VALUES (@id, @address, @name, @key, 'pending', @all, @source, 0, @now, @now)
            ON CONFLICT (address) DO NOTHING
            """, cancellationToken, ("@id", id), ("@address", request.Address), ("@name", SqlValues.OrNull(request.Name)), ("@key", SearchKey(request.Address, request.Name)),
            ("@all", request.Sections is null ? 1 : 0), ("@source", request.Source), ("@now", SqlValues.Instant(now))) == 1;
        if (created)
            await WriteSectionsAsync(connection, transaction, id, request.Sections, cancellationToken);

        string status;
        string? sentAt, day;
        long dayCount;
        await using (var select = Command(connection, transaction,
            "SELECT subscriber_id, status, confirm_sent_at, confirm_day, confirm_day_count FROM subscribers WHERE address = @address",
            ("@address", request.Address)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            id = reader.GetString(0);
            status = reader.GetString(1);
            sentAt = reader.IsDBNull(2) ? null : reader.GetString(2);
            day = reader.IsDBNull(3) ? null : reader.GetString(3);
            dayCount = reader.GetInt64(4);
        }

        var sentToday = day == today ? dayCount : 0;
        if ((sentAt is not null && now - SqlValues.ReadInstant(sentAt) < resendInterval) || sentToday >= maxPerDay)
            return new ConfirmationPlan(ConfirmationMail.None, id, null, (int)sentToday);

        var alreadySubscribed = status is "active" or "paused";
        string? nonce = null;
        if (!alreadySubscribed)
        {
            nonce = NewNonce();
            await ExecuteAsync(connection, transaction, """
                INSERT INTO confirmation_requests (subscriber_id, nonce, name, all_sections, sections, consent_source, created_at)
                VALUES (@id, @nonce, @name, @all, @sections, @source, @now)
                """, cancellationToken, ("@id", id), ("@nonce", nonce), ("@name", SqlValues.OrNull(request.Name)), ("@all", request.Sections is null ? 1 : 0),
                ("@sections", string.Join('\n', request.Sections ?? [])), ("@source", request.Source), ("@now", SqlValues.Instant(now)));
            await ExecuteAsync(connection, transaction, $"""
                DELETE FROM confirmation_requests WHERE subscriber_id = @id AND nonce NOT IN
                    (SELECT nonce FROM confirmation_requests WHERE subscriber_id = @id ORDER BY created_at DESC, nonce LIMIT {MaxOutstandingRequests})
                """, cancellationToken, ("@id", id));
        }
        await ExecuteAsync(connection, transaction, """
            UPDATE subscribers SET confirm_sent_at = @now, confirm_day = @today, confirm_day_count = @count, updated_at = @now
            WHERE subscriber_id = @id
            """, cancellationToken, ("@id", id), ("@now", SqlValues.Instant(now)), ("@today", today), ("@count", sentToday + 1));
        await transaction.CommitAsync(cancellationToken);
        return new ConfirmationPlan(alreadySubscribed ? ConfirmationMail.AlreadySubscribed : ConfirmationMail.Confirm, id, nonce, (int)sentToday + 1);
    }

    /// <summary>What the confirmation link with <paramref name="nonce"/> would confirm; null once used, replaced or never sent.</summary>
    public async Task<ConfirmationChoices?> PendingChoicesAsync(string id, string nonce, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await PendingChoicesAsync(connection, null, id, nonce, cancellationToken);
    }

    private static async Task<ConfirmationChoices?> PendingChoicesAsync(DbConnection connection, DbTransaction? transaction, string id, string nonce, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, transaction,
            "SELECT name, all_sections, sections, consent_source FROM confirmation_requests WHERE subscriber_id = @id AND nonce = @nonce",
            ("@id", id), ("@nonce", nonce));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var sections = reader.GetInt64(1) == 1 ? null : reader.GetString(2).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new ConfirmationChoices(reader.IsDBNull(0) ? null : reader.GetString(0), sections, reader.GetString(3));
    }

    /// <summary>
    /// Uses a confirmation link: the subscriber becomes active with the choices of the request that sent
    /// this link and consent recorded now; every other outstanding link stops working; any suppression
    /// of the address is lifted (this is the re-confirmation the suppression waits for).
    /// </summary>
    public async Task<ConfirmOutcome> ConfirmAsync(string id, string nonce, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);
        string address, status;
        await using (var select = Command(connection, transaction, "SELECT address, status FROM subscribers WHERE subscriber_id = @id", ("@id", id)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return ConfirmOutcome.Unknown;
            (address, status) = (reader.GetString(0), reader.GetString(1));
        }
        if (await PendingChoicesAsync(connection, transaction, id, nonce, cancellationToken) is not { } choices)
            return status is "active" or "paused" ? ConfirmOutcome.AlreadyConfirmed : ConfirmOutcome.Used;

        await ExecuteAsync(connection, transaction, """
            UPDATE subscribers SET status = 'active', name = @name, search_key = @key, all_sections = @all, consent_source = @source,
                confirmed_at = @now, consent_at = @now, unsubscribed_at = NULL, updated_at = @now
            WHERE subscriber_id = @id
            """, cancellationToken, ("@id", id), ("@name", SqlValues.OrNull(choices.Name)), ("@key", SearchKey(address, choices.Name)),
            ("@all", choices.Sections is null ? 1 : 0), ("@source", choices.Source), ("@now", now));
        await WriteSectionsAsync(connection, transaction, id, choices.Sections, cancellationToken);
        await ForgetRequestsAsync(connection, transaction, id, cancellationToken);
        await LiftSuppressionAsync(connection, transaction, address, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ConfirmOutcome.Confirmed;
    }

    /// <summary>Every outstanding confirmation link of the subscriber stops working.</summary>
    private static Task ForgetRequestsAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "DELETE FROM confirmation_requests WHERE subscriber_id = @id", cancellationToken, ("@id", id));

    /// <summary>Unsubscribes and suppresses the address, at once. Doing it twice changes nothing more. False when the subscriber does not exist.</summary>
    public async Task<bool> UnsubscribeAsync(string id, string reason, CancellationToken cancellationToken)
    {
        var now = SqlValues.Instant(time.GetUtcNow());
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken);
        var address = await ScalarAsync(connection, transaction, "SELECT address FROM subscribers WHERE subscriber_id = @id", cancellationToken, ("@id", id)) as string;
        if (address is null)
            return false;
        await ExecuteAsync(connection, transaction, """
            UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = @now, updated_at = @now
            WHERE subscriber_id = @id AND status <> 'unsubscribed'
            """, cancellationToken, ("@id", id), ("@now", now));
        await ForgetRequestsAsync(connection, transaction, id, cancellationToken);
        await ExecuteAsync(connection, transaction, "INSERT INTO suppressions (address, reason, created_at) VALUES (@address, @reason, @now) ON CONFLICT (address) DO NOTHING",
            cancellationToken, ("@address", address), ("@reason", reason), ("@now", now));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Sets the sections (null: all) and pauses or resumes. Only for active or paused subscribers; null otherwise.</summary>
    public async Task<Subscriber?> UpdatePreferencesAsync(string id, IReadOnlyList<string>? sections, bool paused, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using (var transaction = await connections.BeginWriteAsync(connection, "subscribers", cancellationToken))
        {
            var changed = await ExecuteAsync(connection, transaction, """
                UPDATE subscribers SET status = @status, all_sections = @all, updated_at = @now
                WHERE subscriber_id = @id AND status IN ('active', 'paused')
                """, cancellationToken, ("@id", id), ("@status", paused ? "paused" : "active"), ("@all", sections is null ? 1 : 0),
                ("@now", SqlValues.Instant(time.GetUtcNow())));
            if (changed == 0)
                return null;
            await WriteSectionsAsync(connection, transaction, id, sections, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        return (await QueryAsync(connection, null, "WHERE s.subscriber_id = @id", [("@id", id)], cancellationToken)).SingleOrDefault();
    }

    /// <summary>Whether an address is suppressed (by address, or by the hash an erasure left).</summary>
    public async Task<string?> SuppressionOfAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await SuppressionOfAsync(connection, null, address, cancellationToken);
    }

    private async Task<string?> SuppressionOfAsync(DbConnection connection, DbTransaction? transaction, string address, CancellationToken cancellationToken) =>
        await ScalarAsync(connection, transaction, """
            SELECT reason FROM suppressions WHERE address = @address
            UNION ALL SELECT reason FROM suppression_hashes WHERE address_hash IN (@hash, @legacy)
            LIMIT 1
            """, cancellationToken, ("@address", address), ("@hash", personalData.AddressHash(address)), ("@legacy", PersonalData.LegacyAddressHash(address))) as string;

    private async Task LiftSuppressionAsync(DbConnection connection, DbTransaction transaction, string address, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, "DELETE FROM suppressions WHERE address = @address", cancellationToken, ("@address", address));
        await ExecuteAsync(connection, transaction, "DELETE FROM suppression_hashes WHERE address_hash IN (@hash, @legacy)", cancellationToken,
            ("@hash", personalData.AddressHash(address)), ("@legacy", PersonalData.LegacyAddressHash(address)));
    }

    private static async Task WriteSectionsAsync(DbConnection connection, DbTransaction transaction, string id, IReadOnlyList<string>? sections, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, "DELETE FROM subscriber_sections WHERE subscriber_id = @id", cancellationToken, ("@id", id));
        foreach (var section in sections ?? [])
            await ExecuteAsync(connection, transaction, "INSERT INTO subscriber_sections (subscriber_id, section) VALUES (@id, @section) ON CONFLICT DO NOTHING",
                cancellationToken, ("@id", id), ("@section", section));
    }

    private async Task<List<Subscriber>> QueryAsync(DbConnection connection, DbTransaction? transaction, string where,
        (string Name, object Value)[] parameters, CancellationToken cancellationToken, string suffix = "")
    {
        var result = new List<Subscriber>();
        var explicitSections = new List<string>();
        await using (var command = Command(connection, transaction, $"SELECT {Columns} FROM subscribers s {where} {suffix}", parameters))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var subscriber = Read(reader);
                result.Add(subscriber);
                if (subscriber.Sections is not null)
                    explicitSections.Add(subscriber.Id);
            }
        }
        if (explicitSections.Count == 0)
            return result;

        var sections = await SectionsOfAsync(connection, transaction, explicitSections, cancellationToken);
        return result.Select(s => s.Sections is null ? s : s with { Sections = sections.GetValueOrDefault(s.Id) ?? [] }).ToList();
    }

    /// <summary>The chosen sections of each of <paramref name="ids"/> (subscribers who follow all sections have none), in section order.</summary>
    private async Task<Dictionary<string, List<string>>> SectionsOfAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var chunk in ids.Chunk(connections.MaxListSize))
        {
            await using var command = Command(connection, transaction, "");
            command.CommandText = $"SELECT subscriber_id, section FROM subscriber_sections WHERE {connections.InList(command, "subscriber_id", "@ids", chunk)} ORDER BY section";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetString(0);
                if (!sections.TryGetValue(id, out var list))
                    sections[id] = list = [];
                list.Add(reader.GetString(1));
            }
        }
        return sections;
    }

    private static Subscriber Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Address = reader.GetString(1),
        Name = reader.IsDBNull(2) ? null : reader.GetString(2),
        Status = EnumText.Parse<SubscriberStatus>(reader.GetString(3), "subscriber status"),
        Sections = reader.GetInt64(4) == 1 ? null : [],
        ConsentAt = ReadInstant(reader, 5),
        ConsentSource = reader.IsDBNull(6) ? null : reader.GetString(6),
        CreatedAt = SqlValues.ReadInstant(reader.GetString(7)),
        UpdatedAt = SqlValues.ReadInstant(reader.GetString(8)),
        ConfirmedAt = ReadInstant(reader, 9),
        UnsubscribedAt = ReadInstant(reader, 10),
        Suppression = reader.IsDBNull(11) ? null : reader.GetString(11),
    };

    private static DateTimeOffset? ReadInstant(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : SqlValues.ReadInstant(reader.GetString(ordinal));
}

/// <summary>What one confirmation link would confirm: the name and sections (null: all) asked for, and where the request came from.</summary>
public sealed record ConfirmationChoices(string? Name, IReadOnlyList<string>? Sections, string Source);

/// <summary>What someone asked for on the form or the JSON endpoint, already validated and normalised.</summary>
public sealed record SubscriptionRequest(string Address, string? Name, IReadOnlyList<string>? Sections, string Source);

public enum ConfirmationMail
{
    /// <summary>Too soon after the last mail, or too many today: nothing is sent (the answer is the same).</summary>
    None,
    Confirm,
    AlreadySubscribed,
}

/// <summary>Which mail to send for a subscription request; <see cref="SendNumber"/> counts today's mails to the address.</summary>
public sealed record ConfirmationPlan(ConfirmationMail Mail, string SubscriberId, string? Nonce, int SendNumber);

public enum ConfirmOutcome
{
    Confirmed,
    AlreadyConfirmed,
    /// <summary>The link was used already, or replaced by a later unsubscription.</summary>
    Used,
    Unknown,
}
