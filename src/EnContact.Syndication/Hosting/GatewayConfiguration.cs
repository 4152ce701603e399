namespace EnContact.Syndication.Hosting;

/// <summary>
/// Where settings come from, lowest priority first: the embedded defaults below (so the gateway
/// runs with no file at all), <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c>, then
/// environment variables of the one documented form <c>ENCONTACT__Section__Key</c>.
/// </summary>
public static class GatewayConfiguration
{
    public const string EnvironmentPrefix = "ENCONTACT__";

    /// <summary>Settings that are not options-class defaults: where Kestrel listens.</summary>
    public static readonly IReadOnlyDictionary<string, string?> EmbeddedDefaults = new Dictionary<string, string?>
    {
        ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:5080",
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        // Per-request hosting diagnostics cost an Activity and a log scope on every feed poll.
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    public static WebApplicationBuilder CreateBuilder(GatewaySettings settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = settings.EnvironmentName,
            ContentRootPath = settings.ContentRoot ?? Directory.GetCurrentDirectory(),
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });

        // One documented form for every setting: drop the host's unprefixed environment variables and command line.
        var configuration = builder.Configuration;
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(EmbeddedDefaults);
        configuration.AddJsonFile(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(builder.Environment.ContentRootPath, $"appsettings.{builder.Environment.EnvironmentName}.json"), optional: true, reloadOnChange: false);
        if (settings.ReadEnvironmentVariables)
            configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(settings.Overrides);
        if (settings.LoggerProvider is not null)
            builder.Logging.AddProvider(settings.LoggerProvider);
        return builder;
    }
}
