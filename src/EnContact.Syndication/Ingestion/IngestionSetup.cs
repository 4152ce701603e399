using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

public static class IngestionSetup
{
    public static IServiceCollection AddIngestion(this IServiceCollection services)
    {
        services.AddSectionOptions<IngestionOptions>(IngestionOptions.Section);
        services.AddSingleton<IPostConfigureOptions<IngestionOptions>, ResolveContentPath>();
        services.AddSingleton<MagazineTime>();
        services.AddSingleton<ArticleNormalizer>();
        services.AddSingleton<ContentSourceStore>();
        services.AddSingleton<ScanFileReader>();
        services.AddSingleton<IngestionMetrics>();
        services.AddSingleton<ContentScanner>();
        services.AddSingleton<ContentFolderWorker>();
        services.AddSingleton<IngestionHealth>();
        services.AddHealthChecks().AddCheck<IngestionHealth>("ingestion");
        services.AddHostedService(sp => sp.GetRequiredService<ContentFolderWorker>());
        return services;
    }

    private sealed class ResolveContentPath(IHostEnvironment environment) : IPostConfigureOptions<IngestionOptions>
    {
        public void PostConfigure(string? name, IngestionOptions options) =>
            options.ContentPath = Path.GetFullPath(options.ContentPath, environment.ContentRootPath);
    }
}
