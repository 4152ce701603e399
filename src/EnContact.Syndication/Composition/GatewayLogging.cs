using Microsoft.Extensions.Logging.Console;

namespace EnContact.Syndication.Composition;

/// <summary>
/// The console log: ASP.NET Core's standard <c>Logging</c> section, read from every settings source,
/// with a UTC timestamp on each line by default; <c>Logging:Console:FormatterName=json</c> gives one
/// JSON object per line. Mistakes in the section are reported like any other setting.
/// </summary>
public static class GatewayLogging
{
    /// <summary>ISO 8601 in UTC to the millisecond; the space separates it from the level in the simple format.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";

    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        // Per-request hosting diagnostics cost an Activity and a log scope on every feed poll.
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        // Named explicitly: with no formatter name the console logger ignores FormatterOptions and uses its obsolete settings.
        ["Logging:Console:FormatterName"] = ConsoleFormatterNames.Simple,
        ["Logging:Console:FormatterOptions:TimestampFormat"] = TimestampFormat,
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
    };

    /// <summary>
    /// The one-shot verbs print their own report on standard output: their log shows warnings and
    /// errors, on standard error. These sit just above the embedded defaults, so any level an
    /// operator sets (in a file or a variable) still applies to the verbs.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> VerbDefaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
    };

    private static readonly string[] Formatters = [ConsoleFormatterNames.Simple, ConsoleFormatterNames.Json, ConsoleFormatterNames.Systemd];
    private static readonly string[] Providers = ["LogLevel", "Console", "Debug", "EventSource", "EventLog"];

    public static void AddTimestampFormatFixes(IServiceCollection services)
    {
        // An empty format means "no timestamp" (the formatters would print a culture-dependent date instead);
        // a JSON value needs no separating space.
        services.PostConfigure<SimpleConsoleFormatterOptions>(o => o.TimestampFormat = string.IsNullOrWhiteSpace(o.TimestampFormat) ? null : o.TimestampFormat);
        services.PostConfigure<ConsoleFormatterOptions>(o => o.TimestampFormat = string.IsNullOrWhiteSpace(o.TimestampFormat) ? null : o.TimestampFormat);
        services.PostConfigure<JsonConsoleFormatterOptions>(o => o.TimestampFormat = string.IsNullOrWhiteSpace(o.TimestampFormat) ? null : o.TimestampFormat.TrimEnd());
    }

    /// <summary>
    /// Problems of the <c>Logging</c> section, each with its key. The logging system reads the section
    /// while the host is built, and a bad level there would end the process with an exception
    /// before any list could be printed, so these are found first.
    /// </summary>
    public static List<(string Key, string Problem)> Problems(IConfiguration configuration)
    {
        var problems = new List<(string, string)>();
        foreach (var child in configuration.GetSection("Logging").GetChildren())
        {
            var provider = Providers.FirstOrDefault(p => string.Equals(p, child.Key, StringComparison.OrdinalIgnoreCase));
            if (string.Equals(child.Key, "CaptureScopes", StringComparison.OrdinalIgnoreCase))
                problems.AddRange(SettingsShape.Value(child, typeof(bool)));
            else if (provider is null)
                problems.AddRange(Unknown(child, "a logging setting", Providers));
            else if (provider == "LogLevel")
                problems.AddRange(Levels(child));
            else if (provider == "Console")
                problems.AddRange(Console(child));
            else
                problems.AddRange(child.GetChildren().Where(IsLogLevel).SelectMany(Levels));
        }
        return problems;
    }

    private static bool IsLogLevel(IConfigurationSection section) => string.Equals(section.Key, "LogLevel", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<(string, string)> Levels(IConfigurationSection levels) =>
        from leaf in levels.GetChildren().SelectMany(SettingsShape.Leaves)
        where leaf.Value is { Length: > 0 } && !Enum.TryParse<LogLevel>(leaf.Value, ignoreCase: true, out _)
        select (leaf.Path, $"'{leaf.Value}' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)");

    private static IEnumerable<(string, string)> Console(IConfigurationSection console)
    {
        foreach (var setting in console.GetChildren())
        {
            if (IsLogLevel(setting))
            {
                foreach (var problem in Levels(setting))
                    yield return problem;
            }
            else if (string.Equals(setting.Key, "FormatterName", StringComparison.OrdinalIgnoreCase))
            {
                if (!Formatters.Contains(setting.Value ?? "", StringComparer.OrdinalIgnoreCase))
                    yield return (setting.Path, $"'{setting.Value}' is not a console formatter ({string.Join(", ", Formatters)})");
            }
            else if (string.Equals(setting.Key, "FormatterOptions", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var option in setting.GetChildren())
                {
                    var property = typeof(SimpleConsoleFormatterOptions).GetProperty(option.Key, PublicIgnoreCase)
                        ?? typeof(JsonConsoleFormatterOptions).GetProperty(option.Key, PublicIgnoreCase);
                    var problems = property is null ? Unknown(option, "a console formatter option", FormatterOptionNames)
                        : property.PropertyType == typeof(System.Text.Json.JsonWriterOptions) ? []
                        : SettingsShape.Value(option, property.PropertyType);
                    foreach (var problem in problems)
                        yield return problem;
                }
            }
            else
            {
                var property = typeof(ConsoleLoggerOptions).GetProperty(setting.Key, PublicIgnoreCase);
                foreach (var problem in property is null ? Unknown(setting, "a console log setting", ConsoleSettingNames) : SettingsShape.Value(setting, property.PropertyType))
                    yield return problem;
            }
        }
    }

    private static IEnumerable<(string, string)> Unknown(IConfigurationSection node, string what, IEnumerable<string> names) =>
        SettingsShape.Leaves(node).Select(leaf => (leaf.Path, $"is not {what}{SettingsShape.DidYouMean(node.Key, names)}"));

    private const System.Reflection.BindingFlags PublicIgnoreCase = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase;

    private static readonly string[] FormatterOptionNames =
        [.. typeof(SimpleConsoleFormatterOptions).GetProperties().Concat(typeof(JsonConsoleFormatterOptions).GetProperties()).Select(p => p.Name).Distinct()];

    private static readonly string[] ConsoleSettingNames = ["FormatterName", "FormatterOptions", "LogLevel", .. typeof(ConsoleLoggerOptions).GetProperties().Select(p => p.Name)];
}
