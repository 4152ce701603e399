using EnContact.Syndication.Articles;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Benchmarks;

/// <summary>What the store holds, read with plain SQL after a phase to check the scanner's report against it.</summary>
public sealed record StoreState(long Articles, long LiveArticles, long SourceFiles, long Problems, long ChangeCounter);

/// <summary>
/// The real gateway, built with <see cref="Program.CreateApp"/> in Production but never started:
/// its own empty SQLite file, migrations applied, the ingestion worker off (the benchmark calls the
/// scanner itself), logging at Warning so the per-file lines cost nothing.
/// </summary>
public sealed class BenchGateway : IAsyncDisposable
{
    public const string AdminToken = "bench-admin-token-0123456789abcd"; // 32 characters
    public const string LinkSecret = "bench-link-secret-0123456789abcdefghij";
    public const string MemberFeedSecret = "bench-member-feed-secret-0123456789abcdef";
    public const string PublicUrl = "https://lettre.en-contact.com/";

    /// <summary>The repository's <c>templates</c> folder, found upwards from the current directory, then from the program's folder.</summary>
    public static string? TemplatesFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                if (Directory.Exists(Path.Combine(folder.FullName, "templates", "digest")))
                    return Path.Combine(folder.FullName, "templates");
        return null;
    }

    private readonly WebApplication _app;
    private readonly bool _ownsDatabase;

    private BenchGateway(WebApplication app, string databasePath, bool ownsDatabase)
    {
        _app = app;
        DatabasePath = databasePath;
        _ownsDatabase = ownsDatabase;
    }

    public string DatabasePath { get; }
    public IServiceProvider Services => _app.Services;
    public ContentScanner Scanner => _app.Services.GetRequiredService<ContentScanner>();
    public ContentSourceStore Sources => _app.Services.GetRequiredService<ContentSourceStore>();
    public Database Connections => _app.Services.GetRequiredService<Database>();
    public ArticleNormalizer Normalizer => _app.Services.GetRequiredService<ArticleNormalizer>();
    public ArticleStore Articles => _app.Services.GetRequiredService<ArticleStore>();

    /// <summary>
    /// Builds the gateway on <paramref name="databasePath"/> (created and migrated if new).
    /// <paramref name="extra"/> adds or replaces settings (e.g. <c>Feeds:MirrorPath</c>). When
    /// <paramref name="ownsDatabase"/> is false, disposing leaves the database file for another instance.
    /// </summary>
    public static async Task<BenchGateway> CreateAsync(string root, string contentPath, string databasePath, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? extra = null, bool ownsDatabase = true) =>
        new(await CreateAppAsync(root, contentPath, databasePath, extra, null, cancellationToken), databasePath, ownsDatabase);

    /// <summary>
    /// The gateway as <see cref="CreateAsync"/> builds it, for modes that manage its life themselves:
    /// Production settings, validated, migrated; <paramref name="logs"/> receives its log lines too.
    /// </summary>
    public static async Task<WebApplication> CreateAppAsync(string root, string contentPath, string databasePath,
        IReadOnlyDictionary<string, string?>? extra, ILoggerProvider? logs, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Storage:DatabasePath"] = databasePath,
            ["Ingestion:ContentPath"] = contentPath,
            ["Ingestion:Enabled"] = "false",
            ["Admin:ApiToken"] = AdminToken,
            // Production settings the gateway requires: templates, a link secret, the public URLs.
            ["Templates:Path"] = TemplatesFolder() ?? throw new InvalidOperationException("templates/ not found above the current directory: run from the repository"),
            ["Subscribers:TokenSecret"] = LinkSecret,
            ["Members:FeedTokenSecret"] = MemberFeedSecret,
            ["PersonalData:HashKey"] = LinkSecret,
            ["Subscribers:PublicUrl"] = PublicUrl,
            ["Feeds:PublicUrl"] = "https://flux.en-contact.com/",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            overrides[key] = value;
        var app = Program.CreateApp(new GatewaySettings
        {
            EnvironmentName = "Production",
            ContentRoot = root,
            ReadEnvironmentVariables = false,
            Overrides = overrides,
            LoggerProvider = logs,
        });
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async Task<StoreState> StateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Connections.OpenAsync(cancellationToken);
        async Task<long> Scalar(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        }
        return new StoreState(
            await Scalar("SELECT COUNT(*) FROM articles"),
            await Scalar("SELECT COUNT(*) FROM articles WHERE status <> 'deleted'"),
            await Scalar("SELECT COUNT(*) FROM source_files"),
            await Scalar("SELECT COUNT(*) FROM ingestion_problems"),
            await Scalar("SELECT value FROM change_counters WHERE name = 'articles'"));
    }

    /// <summary>
    /// A connection of our own that watches the file: <c>PRAGMA data_version</c> changes when any
    /// other connection commits a change, so an equal value before and after a phase means it wrote nothing.
    /// </summary>
    public async Task<WriteWatcher> WatchWritesAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync(cancellationToken);
        var watcher = new WriteWatcher(connection);
        watcher.Start = await watcher.DataVersionAsync(cancellationToken);
        return watcher;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (!_ownsDatabase)
            return;
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            File.Delete(DatabasePath + suffix);
    }

    public sealed class WriteWatcher(SqliteConnection connection) : IAsyncDisposable
    {
        public long Start { get; set; }

        public async Task<long> DataVersionAsync(CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA data_version";
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        }

        public async Task<bool> SawWritesAsync(CancellationToken cancellationToken) => await DataVersionAsync(cancellationToken) != Start;

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
