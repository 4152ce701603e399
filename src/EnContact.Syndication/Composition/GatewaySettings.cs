namespace EnContact.Syndication.Composition;

/// <summary>How a host is built: the environment, the folder relative paths start from, and overrides (tests use these).</summary>
public sealed record GatewaySettings
{
    /// <summary>Development, Production, …; null reads ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT (Production when unset).</summary>
    public string? EnvironmentName { get; init; }
    /// <summary>Where <c>appsettings.json</c> is read and relative paths start; default the current directory.</summary>
    public string? ContentRoot { get; init; }
    /// <summary>Configuration values that win over every other source (key form <c>Section:Key</c>).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();
    /// <summary>Values that replace the embedded defaults but lose to every file and variable (the one-shot verbs' quieter log).</summary>
    public IReadOnlyDictionary<string, string?> Defaults { get; init; } = new Dictionary<string, string?>();
    /// <summary>The command line's <c>--urls</c> (addresses separated by <c>;</c>), as every ASP.NET Core host accepts it.</summary>
    public string? Urls { get; init; }
    /// <summary>Read <c>ENCONTACT__*</c> environment variables, and the standard listen-address ones (tests turn this off to stay hermetic).</summary>
    public bool ReadEnvironmentVariables { get; init; } = true;
    public TimeProvider? TimeProvider { get; init; }
    /// <summary>An extra log destination (tests read what the gateway logs).</summary>
    public ILoggerProvider? LoggerProvider { get; init; }
    /// <summary>Services added after every feature's (tests register stand-ins for parts another feature provides).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}
