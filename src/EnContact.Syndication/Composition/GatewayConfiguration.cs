namespace EnContact.Syndication.Composition;

/// <summary>
/// Where settings come from, lowest priority first: the embedded defaults below (so the gateway
/// runs with no file at all), <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c>, then
/// environment variables of the one documented form <c>ENCONTACT__Section__Key</c>. The listen
/// address also honours ASP.NET Core's standard inputs (see <see cref="ListenAddress"/>).
/// </summary>
public static class GatewayConfiguration
{
    public const string EnvironmentPrefix = "ENCONTACT__";

    /// <summary>Settings that are not options-class defaults: where Kestrel listens, and the console log.</summary>
    public static readonly IReadOnlyDictionary<string, string?> EmbeddedDefaults =
        new Dictionary<string, string?>(GatewayLogging.Defaults) { [ListenAddress.Key] = ListenAddress.Default };

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
        configuration.AddInMemoryCollection(settings.Defaults);
        configuration.AddJsonFile(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddJsonFile(Path.Combine(builder.Environment.ContentRootPath, $"appsettings.{builder.Environment.EnvironmentName}.json"), optional: true, reloadOnChange: false);
        var problems = new List<string>();
        configuration.AddInMemoryCollection(ListenAddress.FromHostingInputs(settings, OursNameEndpoints(settings), problems));
        if (settings.ReadEnvironmentVariables)
            configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddInMemoryCollection(settings.Overrides);

        // The logging system reads its section while the host is built: a value it cannot read is
        // reported with the other problems and hidden from it, so the process can still say what is wrong.
        var logging = GatewayLogging.Problems(configuration);
        if (logging.Count > 0)
            configuration.AddInMemoryCollection(logging.Select(p => KeyValuePair.Create(p.Key, (string?)null)));
        problems.AddRange(logging.Select(p => $"{p.Key}: {p.Problem}"));
        builder.Services.AddSingleton(new ConfigurationProblems(problems));

        GatewayLogging.AddTimestampFormatFixes(builder.Services);
        if (settings.LoggerProvider is not null)
            builder.Logging.AddProvider(settings.LoggerProvider);
        return builder;
    }

    /// <summary>Whether our own sources (ENCONTACT__ variables, overrides) name Kestrel endpoints: then the standard listen inputs step aside.</summary>
    private static bool OursNameEndpoints(GatewaySettings settings)
    {
        var ours = new ConfigurationBuilder();
        if (settings.ReadEnvironmentVariables)
            ours.AddEnvironmentVariables(EnvironmentPrefix);
        ours.AddInMemoryCollection(settings.Overrides);
        return ours.Build().GetSection("Kestrel:Endpoints").Exists();
    }
}
