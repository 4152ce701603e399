namespace EnContact.Syndication.Hosting;

/// <summary>How a host is built: the environment, the folder relative paths start from, and overrides (tests use these).</summary>
public sealed record GatewaySettings
{
    /// <summary>Development, Production, …; null reads ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT (Production when unset).</summary>
    public string? EnvironmentName { get; init; }
    /// <summary>Where <c>appsettings.json</c> is read and relative paths start; default the current directory.</summary>
    public string? ContentRoot { get; init; }
    /// <summary>Configuration values that win over every other source (key form <c>Section:Key</c>).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();
    /// <summary>Read <c>ENCONTACT__*</c> environment variables (tests turn this off to stay hermetic).</summary>
    public bool ReadEnvironmentVariables { get; init; } = true;
    public TimeProvider? TimeProvider { get; init; }
    /// <summary>An extra log destination (tests read what the gateway logs).</summary>
    public ILoggerProvider? LoggerProvider { get; init; }
}
