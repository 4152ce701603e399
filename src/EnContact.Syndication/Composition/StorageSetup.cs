using EnContact.Syndication.Composition;

using Microsoft.Extensions.Options;

using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Composition;

public static class StorageSetup
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddSectionOptions<StorageOptions>(StorageOptions.Section);
        services.AddSingleton<IPostConfigureOptions<StorageOptions>, ResolveDatabasePath>();
        services.AddSingleton<SqliteConnectionFactory>();
        services.AddSingleton<Migrator>();
        // Registered before every worker, so the schema is current before anything reads it.
        services.AddHostedService<MigrateOnStart>();
        return services;
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
