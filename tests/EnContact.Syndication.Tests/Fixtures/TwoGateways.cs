using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EnContact.Syndication.Storage;
using Npgsql;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// Tests that run two gateway processes at once: one at a time, so that their processes, the database
/// and the SMTP server do not share two cores with each other's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoGatewaysCollection
{
    public const string Name = "Two gateways on one PostgreSQL";
}

/// <summary>
/// Two real gateway processes (<c>serve</c>, the built release) on one fresh PostgreSQL database, each
/// in its own working folder (its own ledger, as on two machines) and on its own loopback port, both
/// sending to one <see cref="TestSmtpServer"/>: what the production topology page describes, minus nginx.
/// Disposing kills both, stops the SMTP server, drops the database and writes the processes' logs to
/// the test's output.
/// </summary>
public sealed partial class TwoGateways : IAsyncDisposable
{
    private readonly TempDirectory _folder;
    private readonly ITestOutputHelper _output;
    private readonly (string Name, string? Value)[] _environment;

    private TwoGateways(TempDirectory folder, ITestOutputHelper output, TestSmtpServer smtp, string connectionString, (string, string?)[] environment)
    {
        _folder = folder;
        _output = output;
        Smtp = smtp;
        ConnectionString = connectionString;
        _environment = environment;
    }

    public TestSmtpServer Smtp { get; }
    public string ConnectionString { get; }
    public Instance A { get; private set; } = null!;
    public Instance B { get; private set; } = null!;
    public IReadOnlyList<Instance> Both => [A, B];

    /// <summary>One of the two gateways: its process, where it listens, an admin client, its working folder.</summary>
    public sealed record Instance(string Name, GatewayProcess.Serving Process, Uri BaseAddress, HttpClient Admin, string WorkingDirectory)
    {
        /// <summary>Whether an outbox claim (<c>leased_by</c>, "machine/pid/instance") is this process's.</summary>
        public bool Holds(string? leasedBy) => leasedBy?.Split('/') is [_, var pid, _] && pid == Process.ProcessId.ToString(CultureInfo.InvariantCulture);

        /// <summary>Matches the <c>leased_by</c> of this process's outbox claims in SQL LIKE.</summary>
        public string OwnerPattern => $"%/{Process.ProcessId}/%";
    }

    /// <summary>
    /// A database, an SMTP server and two gateways started together (so that they race through
    /// start-up as two machines booted at once would). <paramref name="settings"/> (<c>Section:Key</c>)
    /// go to both; <paramref name="prepare"/> runs on the empty database (verbs, SQL) before either starts.
    /// </summary>
    public static async Task<TwoGateways> StartAsync(ITestOutputHelper output, IReadOnlyDictionary<string, string?>? settings = null,
        Func<TwoGateways, Task>? prepare = null, int smtpConnections = 2)
    {
        var folder = new TempDirectory();
        TestSmtpServer? smtp = null;
        try
        {
            smtp = await TestSmtpServer.StartNewAsync();
            var connectionString = await folder.PostgresDatabaseAsync();
            var all = smtp.GatewaySettings(connections: smtpConnections);
            all["Storage:Provider"] = "PostgreSql";
            all["Storage:ConnectionString"] = connectionString;
            all["Logging:LogLevel:Default"] = "Warning";
            all["Logging:LogLevel:EnContact"] = "Information";
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                all[key] = value;
            var environment = all.Select(s => ("ENCONTACT__" + s.Key.Replace(":", "__"), s.Value)).ToArray();
            var gateways = new TwoGateways(folder, output, smtp, connectionString, environment);
            Directory.CreateDirectory(folder.Combine("a"));
            Directory.CreateDirectory(folder.Combine("b"));
            if (prepare is not null)
                await prepare(gateways);

            var starting = new[] { StartOneAsync(gateways, "a"), StartOneAsync(gateways, "b") };
            try
            {
                await Task.WhenAll(starting);
            }
            catch
            {
                foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
                    await started.Result.Process.DisposeAsync();
                throw;
            }
            (gateways.A, gateways.B) = (starting[0].Result, starting[1].Result);
            return gateways;
        }
        catch
        {
            if (smtp is not null)
                await smtp.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    [GeneratedRegex(@"HTTP: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    private static async Task<Instance> StartOneAsync(TwoGateways gateways, string name)
    {
        var folder = gateways._folder.Combine(name);
        var serving = await GatewayProcess.ServeAsync(folder, gateways._environment, line => line.Contains("EnContact.Syndication is running"));
        var url = serving.Output.Select(line => ListeningOn().Match(line)).First(m => m.Success).Groups[1].Value;
        var admin = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromMinutes(1) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayProcess.Token);
        return new Instance(name.ToUpperInvariant(), serving, admin.BaseAddress, admin, folder);
    }

    /// <summary>
    /// A daily edition that came due ten minutes ago (read in UTC): both gateways find it due at
    /// start, within the catch-up window, and build it at once instead of waiting for a fire time;
    /// the next one is a day away, so a test sees exactly this period.
    /// </summary>
    public static Dictionary<string, string?> EditionDueAtStart()
    {
        var due = DateTime.UtcNow.AddMinutes(-10);
        return new()
        {
            ["Digest:Schedule"] = $"{due.Minute} {due.Hour} * * *",
            ["Digest:TimeZone"] = "UTC",
            ["Digest:CatchUpWindow"] = "01:00:00",
        };
    }

    /// <summary>Runs an operator verb against the shared database, as an operator would on either machine.</summary>
    public async Task RunVerbAsync(params string[] args)
    {
        var (code, output, error) = await GatewayProcess.RunAsync(_folder.Combine("a"), _environment, args);
        Assert.True(code == 0, $"'{string.Join(' ', args)}' exited with {code}:\n{output}\n{error}");
    }

    /// <summary>
    /// Migrates the empty database and ingests one article (section analyses, published a day ago)
    /// with the <c>import</c> verb, as an operator would before starting the gateways.
    /// </summary>
    public async Task ImportArticleAsync(string title)
    {
        var content = _folder.Combine("content");
        Directory.CreateDirectory(content);
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        var published = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddDays(-1), paris).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(content, "barometre.md"), SampleArticles.Markdown(title, published));
        await RunVerbAsync("import", content);
    }

    public static string Reader(int i) => $"lecteur{i:00000}@exemple.fr";

    /// <summary>
    /// <paramref name="count"/> active readers of every section (<see cref="Reader"/> 1…count), written
    /// straight into the migrated database in one statement: an import of 10,000 through the API would
    /// take longer than sending to them.
    /// </summary>
    public async Task SeedReadersAsync(int count)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO subscribers (subscriber_id, address, name, search_key, status, all_sections, consent_at, consent_source,
                confirm_day_count, created_at, updated_at, confirmed_at)
            SELECT md5('lecteur' || i), a.address, 'Lecteur ' || i, a.address || ' lecteur ' || i, 'active', 1, @now, 'salon CRM 2025', 0, @now, @now, @now
            FROM generate_series(1, @count) AS i, LATERAL (SELECT 'lecteur' || lpad(i::text, 5, '0') || '@exemple.fr' AS address) a
            """, connection);
        insert.Parameters.AddWithValue("now", SqlValues.Instant(DateTimeOffset.UtcNow.AddDays(-30)));
        insert.Parameters.AddWithValue("count", count);
        Assert.Equal(count, await insert.ExecuteNonQueryAsync());
    }

    /// <summary>Reads the shared database directly (what the gateways wrote), one row per array.</summary>
    public async Task<List<object?[]>> QueryAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64((await QueryAsync(sql, parameters)).Single()[0]);

    /// <summary>
    /// Waits until <paramref name="probe"/> finds what it looks for in state another process changes
    /// (the database, an HTTP answer), looked at again every 100 ms; <paramref name="limit"/> is a
    /// failure detector only.
    /// </summary>
    public static async Task<T> WaitForAsync<T>(string what, TimeSpan limit, Func<Task<T?>> probe) where T : class
    {
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            if (await probe() is { } found)
                return found;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"waited {limit} for {what}");
            }
        }
    }

    /// <summary>The key of the one edition the schedulers built, once one of them has.</summary>
    public Task<string> WaitForEditionAsync() =>
        WaitForAsync("an edition to be built", TimeSpan.FromSeconds(60), async () =>
            (await QueryAsync("SELECT edition_key FROM digest_editions WHERE number IS NOT NULL")).FirstOrDefault()?[0] as string);

    /// <summary>
    /// Waits until edition <paramref name="key"/> is recorded as sent (its last message settled);
    /// fails only when 90 s pass without the SMTP server accepting a further message (queuing the
    /// first 5,000 on a crowded machine included), however long the whole takes.
    /// </summary>
    public async Task WaitForEditionSentAsync(string key)
    {
        var (seen, progressAt) = (-1, DateTime.UtcNow);
        while (await CountAsync("SELECT count(*) FROM digest_editions WHERE edition_key = @key AND status = 'sent'", ("@key", key)) == 0)
        {
            var received = Smtp.Messages.Count;
            if (received != seen)
                (seen, progressAt) = (received, DateTime.UtcNow);
            else if (DateTime.UtcNow - progressAt > TimeSpan.FromSeconds(90))
                throw new Xunit.Sdk.XunitException($"edition {key}: no message accepted for 90 s ({received} so far) and the edition is not sent");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>How many messages each recipient received.</summary>
    public Dictionary<string, int> MessagesPerRecipient() =>
        Smtp.Messages.SelectMany(m => m.To).GroupBy(to => to, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);

    /// <summary>Lines of both gateways' output that contain <paramref name="text"/>.</summary>
    public List<string> LogLines(string text) =>
        [.. Both.SelectMany(g => g.Process.Output.Concat(g.Process.Errors).Where(line => line.Contains(text, StringComparison.Ordinal)).Select(line => $"{g.Name}: {line}"))];

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in new[] { A, B }.Where(i => i is not null))
        {
            var pid = instance.Process.ProcessId;
            await instance.Process.DisposeAsync();
            instance.Admin.Dispose();
            _output.WriteLine($"---- gateway {instance.Name} (pid {pid}, {instance.BaseAddress}) ----");
            foreach (var line in instance.Process.Output.Concat(instance.Process.Errors))
                _output.WriteLine(line);
        }
        await Smtp.DisposeAsync();
        _folder.Dispose();
    }
}
