using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// Tests that run two gateway processes at once: alone, after the rest of the suite, so that their
/// processes, the database and the SMTP server do not share two cores with a dozen other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TwoGatewaysCollection
{
    public const string Name = "Two gateways on one PostgreSQL";
}

/// <summary>
/// Two real gateway processes (<c>serve</c>, the built release) on one fresh PostgreSQL database, each
/// in its own working folder (its own ledger, as on two machines) and on its own loopback port, both
/// sending to one <see cref="TestSmtpServer"/>; what production's topology page describes, minus nginx.
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
        /// <summary>Matches the <c>leased_by</c> of this process's outbox claims ("machine/pid/instance").</summary>
        public string OwnerPattern => $"%/{Process.ProcessId}/%";
    }

    /// <summary>
    /// A database, an SMTP server and two gateways started together (so they race through start-up as
    /// two machines booted at once would). <paramref name="settings"/> (<c>Section:Key</c>) go to both;
    /// <paramref name="prepare"/> runs verbs on the empty database before either starts.
    /// </summary>
    public static async Task<TwoGateways> StartAsync(ITestOutputHelper output, IReadOnlyDictionary<string, string?>? settings = null,
        Func<TwoGateways, Task>? prepare = null, int smtpConnections = 2)
    {
        var folder = new TempDirectory();
        TestSmtpServer? smtp = null;
        TwoGateways? gateways = null;
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
            gateways = new TwoGateways(folder, output, smtp, connectionString, environment);
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
        var admin = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromMinutes(2) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayProcess.Token);
        return new Instance(name.ToUpperInvariant(), serving, admin.BaseAddress, admin, folder);
    }

    /// <summary>Runs an operator verb against the shared database, as an operator would on either machine.</summary>
    public Task<(int Code, string Output, string Error)> RunVerbAsync(params string[] args) =>
        GatewayProcess.RunAsync(_folder.Combine("a"), _environment, args);

    /// <summary>A CSV of <paramref name="count"/> readers who consented elsewhere (lecteur00001@exemple.fr…), every section.</summary>
    public static string ReadersCsv(int count)
    {
        var csv = new StringBuilder("email,name,consent_date\n");
        for (var i = 1; i <= count; i++)
            csv.Append(Reader(i)).Append(",Lecteur ").Append(i).Append(",2025-03-01\n");
        return csv.ToString();
    }

    public static string Reader(int i) => $"lecteur{i:00000}@exemple.fr";

    /// <summary>Imports readers through an admin API's CSV import; fails the test unless every row was created.</summary>
    public static async Task ImportReadersAsync(Instance through, int count)
    {
        var response = await through.Admin.PostAsync("api/subscribers/import?source=salon%20CRM%202025",
            new StringContent(ReadersCsv(count), Encoding.UTF8, "text/csv"));
        var report = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, report);
        Assert.Contains($"\"created\":{count},", report);
    }

    /// <summary>Saves an article through an admin API (published <paramref name="published"/>, section analyses).</summary>
    public static async Task SaveArticleAsync(Instance through, string id, string title, DateTimeOffset published)
    {
        var response = await through.Admin.PutAsJsonAsync($"api/articles/{id}", new
        {
            title,
            published = published.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            authors = new[] { "Claire Dubois" },
            section = "analyses",
            summary = "Le chapeau visible par tous.",
            contentMarkdown = "Premier paragraphe.",
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
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
    /// (the database, an HTTP answer): looked at again every 100 ms; <paramref name="limit"/> is a
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

    /// <summary>
    /// Both gateways' schedulers fire every minute and catch up on a missed minute within the hour, so
    /// an article saved now goes out at the next minute: the precise hook is the period coming due,
    /// waited for on its observable result (the edition's row).
    /// </summary>
    public static Dictionary<string, string?> EveryMinute() => new()
    {
        ["Digest:Schedule"] = "* * * * *",
        ["Digest:CatchUpWindow"] = "01:00:00",
    };

    /// <summary>
    /// The key of the edition numbered <paramref name="number"/>, once a scheduler built it: at the
    /// next minute, or the one after when the article was saved across a minute's turn.
    /// </summary>
    public async Task<string> WaitForEditionAsync(int number) =>
        await WaitForAsync($"edition n° {number} to be built", TimeSpan.FromSeconds(150), async () =>
            (await QueryAsync("SELECT edition_key FROM digest_editions WHERE number = @number", ("@number", number))).FirstOrDefault()?[0] as string);

    /// <summary>Waits until every message of <paramref name="campaign"/> (<paramref name="total"/> of them) was sent and the edition's row says so.</summary>
    public async Task WaitForEditionSentAsync(string key, int total, TimeSpan limit)
    {
        var campaign = "digest-" + key;
        await WaitForAsync($"the {total} messages of {campaign} to be sent and the edition finished", limit, async () =>
            await CountAsync("SELECT count(*) FROM outbox WHERE campaign = @campaign AND status = 'sent'", ("@campaign", campaign)) == total
            && await CountAsync("SELECT count(*) FROM digest_editions WHERE edition_key = @key AND status = 'sent'", ("@key", key)) == 1
                ? "" : null);
    }

    /// <summary>
    /// Waits until the SMTP server has accepted <paramref name="count"/> messages; fails only when 30 s
    /// pass without a further 500 (a stalled delivery), however long the whole takes.
    /// </summary>
    public async Task WaitForMessagesAsync(int count)
    {
        while (Smtp.Messages.Count < count)
            await Smtp.WaitForMessagesAsync(Math.Min(count, Smtp.Messages.Count + 500));
    }

    /// <summary>How many messages each recipient received.</summary>
    public Dictionary<string, int> MessagesPerRecipient(Func<ReceivedMessage, bool>? which = null) =>
        Smtp.Messages.Where(which ?? (_ => true)).SelectMany(m => m.To).GroupBy(to => to, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);

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
