using Microsoft.Extensions.Logging;
using System.Net.Http.Headers;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// The real gateway for one test: its own temp folder, SQLite file and content folder, Kestrel on
/// a free loopback port, and (optionally) a fake clock. Nothing is mocked.
/// </summary>
public sealed class Gateway : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789abcdef";

    /// <summary>Where mails' links point; tests follow them by sending the path to this gateway.</summary>
    public const string PublicUrl = "https://lettre.en-contact.com/";

    /// <summary>The secret that signs subscribers' links in tests.</summary>
    public const string LinkSecret = "test-link-secret-0123456789abcdefghijklmnop";

    /// <summary>The secret members' private feed tokens are derived from in tests.</summary>
    public const string MemberFeedSecret = "test-member-feed-secret-0123456789abcdefgh";

    /// <summary>The key of the address labels and erasure hashes in tests.</summary>
    public const string HashKey = "test-personal-data-key-0123456789abcdefgh";

    /// <summary>A fixed "now" for tests that need one: Friday 27 November 2026, 10:00 in Paris.</summary>
    public static readonly DateTimeOffset DefaultNow = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The storage of gateways that do not choose: SQLite, unless <c>ENCONTACT_TEST_STORAGE=PostgreSql</c>
    /// runs the whole suite on PostgreSQL (tests that read the SQLite file itself choose SQLite).
    /// </summary>
    public static readonly StorageProvider DefaultStorage =
        Enum.TryParse<StorageProvider>(Environment.GetEnvironmentVariable("ENCONTACT_TEST_STORAGE"), ignoreCase: true, out var chosen) ? chosen : StorageProvider.Sqlite;

    private readonly TempDirectory _folder;
    private readonly bool _ownsFolder;
    private readonly Func<Task>? _dropDatabase;
    private HttpClient? _client;

    private Gateway(TempDirectory folder, bool ownsFolder, WebApplication app, FakeTimeProvider? clock, StorageProvider storage, Func<Task>? dropDatabase)
    {
        _folder = folder;
        _ownsFolder = ownsFolder;
        _dropDatabase = dropDatabase;
        App = app;
        Clock = clock;
        Storage = storage;
    }

    public StorageProvider Storage { get; }

    public WebApplication App { get; }
    public FakeTimeProvider? Clock { get; }
    public IServiceProvider Services => App.Services;
    public string Root => _folder.Path;
    public string ContentPath => _folder.Combine("content");
    public string DatabasePath => _folder.Combine("data", "gateway.db");
    public string MirrorPath => _folder.Combine("feeds");
    public EnContact.Syndication.Feeds.FeedCache Feeds => Services.GetRequiredService<EnContact.Syndication.Feeds.FeedCache>();

    /// <summary>Waits (on the feed cache's signal, not a timer) until the served feeds include every change saved so far, letters included.</summary>
    public async Task WaitForFeedsAsync()
    {
        var version = await Articles.CurrentVersionAsync(CancellationToken.None);
        var letters = Services.GetRequiredService<EnContact.Syndication.Feeds.ILetterArchive>().Changes.Version;
        await Feeds.WaitForStoreVersionAsync(version, CancellationToken.None, letters).WaitAsync(TimeSpan.FromSeconds(30));
    }
    public ArticleStore Articles => Services.GetRequiredService<ArticleStore>();

    /// <summary>Waits on the outbox's change signal (not on a timer; 60 s at most) until <paramref name="probe"/> finds what it looks for.</summary>
    public async Task<T> WaitForOutboxAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var outbox = Services.GetRequiredService<EnContact.Syndication.Delivery.OutboxStore>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var seen = outbox.Changes.Version;
            if (await probe() is { } found)
                return found;
            await outbox.Changes.WaitForChangeAsync(seen, limit.Token);
        }
    }

    /// <summary>Waits until the edition (or purpose) <paramref name="campaign"/> satisfies <paramref name="done"/>.</summary>
    public Task<EnContact.Syndication.Delivery.CampaignProgress> WaitForCampaignAsync(string campaign, Func<EnContact.Syndication.Delivery.CampaignProgress, bool> done) =>
        WaitForOutboxAsync(async () =>
            (await Services.GetRequiredService<EnContact.Syndication.Delivery.CampaignControl>().ProgressAsync(campaign, CancellationToken.None)).SingleOrDefault() is { } p && done(p) ? p : null);
    public ContentScanner Scanner => Services.GetRequiredService<ContentScanner>();
    public ContentSourceStore Sources => Services.GetRequiredService<ContentSourceStore>();

    /// <summary>
    /// Builds the gateway. Extra settings use the <c>Section:Key</c> form and win over the test defaults;
    /// <paramref name="clock"/> stands in for the fake clock the gateway would make itself (a <see cref="WatchedClock"/>).
    /// </summary>
    public static async Task<Gateway> CreateAsync(
        bool start = false,
        bool fakeClock = true,
        bool ingestFolder = false,
        string environment = "Testing",
        IReadOnlyDictionary<string, string?>? settings = null,
        TempDirectory? folder = null,
        ILoggerProvider? logs = null,
        StorageProvider? storage = null,
        string? postgresConnectionString = null,
        FakeTimeProvider? clock = null,
        Action<IServiceCollection>? services = null)
    {
        var provider = postgresConnectionString is not null ? StorageProvider.PostgreSql : storage ?? DefaultStorage;
        var ownsFolder = folder is null; // a folder the test passes in outlives this gateway (e.g. for a restart)
        folder ??= new TempDirectory();
        Directory.CreateDirectory(folder.Combine("content"));
        var overrides = new Dictionary<string, string?>
        {
            ["Storage:DatabasePath"] = folder.Combine("data", "gateway.db"),
            ["Ingestion:ContentPath"] = folder.Combine("content"),
            ["Ingestion:Enabled"] = ingestFolder ? "true" : "false",
            ["Ingestion:DebounceDelay"] = "00:00:00",
            ["Admin:ApiToken"] = AdminToken,
            ["Feeds:PublicUrl"] = "https://flux.en-contact.com/",
            ["Feeds:RebuildDelay"] = "00:00:00",
            ["Feeds:MirrorPath"] = folder.Combine("feeds"),
            ["Subscribers:PublicUrl"] = PublicUrl,
            ["Subscribers:TokenSecret"] = LinkSecret,
            ["PersonalData:HashKey"] = HashKey,
            ["Members:FeedTokenSecret"] = MemberFeedSecret,
            ["Templates:Path"] = Path.Combine(AppContext.BaseDirectory, "templates"),
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Func<Task>? dropDatabase = null;
        if (provider == StorageProvider.PostgreSql)
        {
            // A database of its own, dropped with the gateway; a folder the test passes in carries its
            // database, so that gateways on one folder share it (as they share one SQLite file).
            if (postgresConnectionString is null && !ownsFolder)
                postgresConnectionString = await folder.PostgresDatabaseAsync();
            else if (postgresConnectionString is null)
                (postgresConnectionString, dropDatabase) = await TestPostgres.CreateDatabaseAsync();
            overrides["Storage:Provider"] = "PostgreSql";
            overrides["Storage:ConnectionString"] = postgresConnectionString;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            overrides[key] = value;

        clock = fakeClock ? clock ?? new FakeTimeProvider(DefaultNow) : null;
        var app = Program.CreateApp(new GatewaySettings
        {
            EnvironmentName = environment,
            ContentRoot = folder.Path,
            Overrides = overrides,
            ReadEnvironmentVariables = false,
            TimeProvider = clock,
            LoggerProvider = logs,
            ConfigureServices = services,
        });
        var gateway = new Gateway(folder, ownsFolder, app, clock, provider, dropDatabase);
        if (start)
            await app.StartAsync();
        else
            await app.Services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
        return gateway;
    }

    /// <summary>The loopback address Kestrel listens on (the app must be started).</summary>
    public Uri BaseAddress =>
        new(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>An HTTP client over real loopback TCP, carrying the admin token.</summary>
    public HttpClient Client => _client ??= NewClient(AdminToken);

    public HttpClient NewClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Writes a content file (UTF-8, no BOM) under the content folder and returns its full path.</summary>
    public string WriteContent(string relativePath, string text) => WriteContent(relativePath, System.Text.Encoding.UTF8.GetBytes(text));

    public string WriteContent(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(ContentPath, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public Task<ScanReport> ScanAsync() => Scanner.ScanAsync(ContentPath, ScanMode.Full, null, CancellationToken.None);

    public async Task<Article> SingleArticleAsync(string id) =>
        await Articles.GetAsync(id, CancellationToken.None) ?? throw new Xunit.Sdk.XunitException($"no article '{id}' in the store");

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        try
        {
            await App.StopAsync();
        }
        catch (OperationCanceledException)
        {
        }
        await App.DisposeAsync();
        if (_dropDatabase is not null)
            await _dropDatabase();
        if (_ownsFolder)
            _folder.Dispose();
    }
}
