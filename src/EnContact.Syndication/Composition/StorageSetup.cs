using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Composition;

public static class StorageSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddSectionOptions<StorageOptions>(StorageOptions.Section, Rules);
        services.AddSingleton<IPostConfigureOptions<StorageOptions>, ResolveDatabasePath>();
        services.AddSingleton<Database>(provider => provider.GetRequiredService<IOptions<StorageOptions>>().Value switch
        {
            { Provider: StorageProvider.PostgreSql } postgres => new PostgresDatabase(postgres.ConnectionString!),
            var sqlite => new SqliteDatabase(sqlite.DatabasePath, sqlite.BusyTimeout),
        });
        services.AddSingleton<Migrator>();
        // Registered before every worker, so the schema is current before anything reads it.
        services.AddHostedService<MigrateOnStart>();
        services.AddHostedService<ChangeListener>();
        return services;
    }

    private static IEnumerable<string> Rules(StorageOptions options)
    {
        if (options.Provider == StorageProvider.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
            yield return "ConnectionString: required when Provider is PostgreSql (Host=…;Database=…;Username=…;Password=…), from the environment: ENCONTACT__Storage__ConnectionString";
        if (options.ConnectionString is { Length: > 0 } connectionString && !IsConnectionString(connectionString))
            yield return "ConnectionString: not a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…)";
    }

    private static bool IsConnectionString(string text)
    {
        try
        {
            return new Npgsql.NpgsqlConnectionStringBuilder(text).Host is { Length: > 0 };
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private sealed class ResolveDatabasePath(IHostEnvironment environment) : IPostConfigureOptions<StorageOptions>
    {
        public void PostConfigure(string? name, StorageOptions options) =>
            options.DatabasePath = Path.GetFullPath(options.DatabasePath, environment.ContentRootPath);
    }

    private sealed class MigrateOnStart(Migrator migrator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
