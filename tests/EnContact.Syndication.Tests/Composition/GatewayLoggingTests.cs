using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>What the gateway writes to the console, and the standard <c>Logging</c> settings that shape it, on a real process.</summary>
[Trait("Speed", "Slow")]
public sealed partial class GatewayLoggingTests
{
    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) (trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex SimpleHeader();

    /// <summary>A zone far from UTC, so a local-time stamp could not pass for a UTC one.</summary>
    private static readonly (string, string?) FarFromUtc = ("TZ", "America/New_York");

    [Fact]
    public async Task Serve_ConsoleLines_StartWithAUtcTimestamp()
    {
        using var work = new TempDirectory();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await using var serving = await GatewayProcess.ServeAsync(work.Path, [FarFromUtc], line => line.Contains("EnContact.Syndication is running"));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var headers = serving.Output.Where(line => !line.StartsWith(' ')).ToList();
        Assert.NotEmpty(headers);
        foreach (var header in headers)
        {
            var match = SimpleHeader().Match(header);
            Assert.True(match.Success, $"no UTC timestamp at the start of '{header}'");
            var stamp = DateTimeOffset.ParseExact(match.Groups[1].Value, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            Assert.InRange(stamp, before, after);
        }
    }

    [Fact]
    public async Task Serve_JsonFormatter_WritesOneObjectPerLineWithAUtcTimestamp()
    {
        using var work = new TempDirectory();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await using var serving = await GatewayProcess.ServeAsync(work.Path,
            [FarFromUtc, ("ENCONTACT__Logging__Console__FormatterName", "json")], line => line.Contains("EnContact.Syndication is running"));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        Assert.NotEmpty(serving.Output);
        foreach (var line in serving.Output)
        {
            using var entry = JsonDocument.Parse(line);
            var timestamp = entry.RootElement.GetProperty("Timestamp").GetString()!;
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", timestamp);
            Assert.InRange(DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture), before, after);
            Assert.False(string.IsNullOrEmpty(entry.RootElement.GetProperty("Category").GetString()));
        }
        Assert.Contains(serving.Output, line => line.Contains("\"Category\":\"EnContact.Syndication\"") && line.Contains("\"Environment\":\"Production\""));
    }

    [Theory]
    [InlineData("environment")]
    [InlineData("appsettings.json")]
    public async Task Verb_DefaultLogLevelFromAnySource_IsHonouredAndLogsGoToStandardError(string source)
    {
        using var work = new TempDirectory();
        (string, string?)[] environment = [];
        if (source == "environment")
            environment = [("ENCONTACT__Logging__LogLevel__Default", "Information")];
        else
            File.WriteAllText(work.Combine("appsettings.json"), """{ "Logging": { "LogLevel": { "Default": "Information" } } }""");

        var (code, output, error) = await GatewayProcess.RunAsync(work.Path, environment, "migrate");

        Assert.True(code == 0, error);
        Assert.Contains(error.Split('\n'), line => SimpleHeader().IsMatch(line) && line.Contains("EnContact.Syndication.Storage.Migrator"));
        Assert.Contains("Applied migration 0001 articles", error);
        Assert.DoesNotContain("Applied migration", output); // the verb's report alone on standard output
        Assert.Contains("applied 0001 articles", output);
    }

    [Fact]
    public async Task Verb_WithoutLoggingSettings_LogsOnlyWarnings()
    {
        using var work = new TempDirectory();

        var (code, output, error) = await GatewayProcess.RunAsync(work.Path, [], "migrate");

        Assert.True(code == 0, error);
        Assert.DoesNotContain("Applied migration", output + error);
    }
}
