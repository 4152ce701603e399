using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Composition;

/// <summary>Tells the operator, once the server listens, what it is serving and where to look.</summary>
public static class StartupSummary
{
    public static void LogStartupSummary(this WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var services = app.Services;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EnContact.Syndication");
            var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var address = addresses.FirstOrDefault() ?? "(no HTTP endpoint)";
            var admin = services.GetRequiredService<IOptions<AdminOptions>>().Value;
            logger.LogInformation(
                "EnContact.Syndication is running ({Environment}). HTTP: {Address} (health: {Address}/healthz, admin API: {Address}/api/articles). Database: {Database}. Content folder: {Content}. Stop with Ctrl+C.",
                app.Environment.EnvironmentName, address, address, address,
                services.GetRequiredService<Database>().Description,
                services.GetRequiredService<IOptions<IngestionOptions>>().Value.ContentPath);
            if (admin.TokenWasGenerated)
                logger.LogWarning("No Admin:ApiToken is set, so this Development run uses a random admin token: {Token} (send it as 'Authorization: Bearer <token>')", admin.ApiToken);
        });
}
