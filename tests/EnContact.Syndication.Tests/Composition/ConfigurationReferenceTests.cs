using System.ComponentModel;
using System.Reflection;
using System.Text.RegularExpressions;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Logging.Console;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>docs/configuration.md's settings table against the settings the code has: every key listed, no key invented, defaults as in the code.</summary>
public sealed partial class ConfigurationReferenceTests
{
    private static readonly IReadOnlyList<Row> Rows = Row.ParseTable(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "configuration.repo.md")));

    /// <summary>Every key of every settings section of the gateway's registry, with its options class.</summary>
    private static async Task<List<(string Key, Type Type, PropertyInfo Property)>> SettingsAsync()
    {
        await using var gateway = await Gateway.CreateAsync();
        return [.. from section in gateway.Services.GetRequiredService<SettingsRegistry>().Sections
                   from property in section.Keys
                   select ($"{section.Name}:{property.Name}", section.OptionsType, property)];
    }

    [Fact]
    public async Task ConfigurationTable_EverySetting_HasARow()
    {
        var documented = Rows.SelectMany(r => r.Keys).ToHashSet(StringComparer.Ordinal);

        var missing = (await SettingsAsync()).Select(s => s.Key).Where(key => !documented.Contains(key)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task ConfigurationTable_EveryRow_NamesASettingThatExists()
    {
        var settings = (await SettingsAsync()).Select(s => s.Key).ToHashSet(StringComparer.Ordinal);

        var invented = Rows.SelectMany(r => r.Keys).Where(key => !settings.Contains(key) && !IsHostSetting(key)).ToList();
        Assert.Empty(invented);
    }

    [Fact]
    public async Task ConfigurationTable_Defaults_AreTheCodeDefaults()
    {
        var settings = (await SettingsAsync()).ToDictionary(s => s.Key);
        var wrong = new List<string>();
        foreach (var row in Rows)
        {
            for (var i = 0; i < row.Keys.Count; i++)
            {
                var key = row.Keys[i];
                var documented = row.Defaults[i];
                if (settings.TryGetValue(key, out var setting))
                {
                    var actual = setting.Property.GetValue(Activator.CreateInstance(setting.Type));
                    if (!SameDefault(documented, actual, setting.Property.PropertyType))
                        wrong.Add($"{key}: docs/configuration.md says {documented ?? "(none)"}, the code has {actual ?? "(none)"}");
                }
                else if (GatewayConfiguration.EmbeddedDefaults.TryGetValue(key, out var embedded) && documented is not Row.NotLiteral && documented?.Trim() != embedded?.Trim())
                    wrong.Add($"{key}: docs/configuration.md says {documented ?? "(none)"}, the code has {embedded}");
            }
        }
        Assert.Empty(wrong);
    }

    private static bool SameDefault(string? documented, object? actual, Type type)
    {
        if (documented is Row.NotLiteral)
            return true;
        if (documented is null)
            return actual is null or "" || actual is System.Collections.ICollection { Count: 0 };
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(string) ? documented == (string?)actual : Equals(TypeDescriptor.GetConverter(target).ConvertFromInvariantString(documented), actual);
    }

    /// <summary>Keys of the sections ASP.NET Core itself reads, checked against its own options classes.</summary>
    private static bool IsHostSetting(string key)
    {
        if (key == "AllowedHosts" || key.StartsWith("Logging:LogLevel:", StringComparison.Ordinal) || KestrelEndpointUrl().IsMatch(key))
            return true;
        if (key.StartsWith("Logging:Console:FormatterOptions:", StringComparison.Ordinal))
            return HasProperty(key["Logging:Console:FormatterOptions:".Length..], typeof(SimpleConsoleFormatterOptions), typeof(JsonConsoleFormatterOptions));
        if (key.StartsWith("Logging:Console:", StringComparison.Ordinal))
            return HasProperty(key["Logging:Console:".Length..], typeof(ConsoleLoggerOptions));
        return false;
    }

    private static bool HasProperty(string name, params Type[] types) => types.Any(t => t.GetProperty(name) is { SetMethod.IsPublic: true });

    [GeneratedRegex(@"^Kestrel:Endpoints:[A-Za-z0-9]+:Url$")]
    private static partial Regex KestrelEndpointUrl();

    /// <summary>One row of the table: its keys (`A:B` / `A:C`) and the default of each (null: none).</summary>
    private sealed partial record Row(IReadOnlyList<string> Keys, IReadOnlyList<string?> Defaults)
    {
        /// <summary>A default written in words (e.g. "derived in Development"), not compared.</summary>
        public const string NotLiteral = "\u0000words";

        [GeneratedRegex("`([^`]*)`")]
        private static partial Regex Code();

        public static IReadOnlyList<Row> ParseTable(string reference)
        {
            var start = reference.IndexOf("\n## Settings\n", StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/configuration.md has no Settings section");
            var end = reference.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            var rows = new List<Row>();
            foreach (var line in reference[start..(end < 0 ? reference.Length : end)].Split('\n'))
            {
                if (!line.StartsWith("| `", StringComparison.Ordinal))
                    continue;
                var cells = line.Split('|');
                var keys = Code().Matches(cells[1]).Select(m => m.Groups[1].Value).ToList();
                // "`a` / `b`" gives one default per key; a single cell (e.g. "*(none)*") holds for every key of the row.
                var parts = keys.Count > 1 && cells[2].Contains(" / ") ? cells[2].Split(" / ") : [.. Enumerable.Repeat(cells[2], keys.Count)];
                Assert.True(parts.Length == keys.Count, $"docs/configuration.md row '{cells[1].Trim()}' gives {parts.Length} default(s) for {keys.Count} key(s)");
                rows.Add(new Row(keys, [.. parts.Select(DefaultOf)]));
            }
            Assert.NotEmpty(rows);
            return rows;
        }

        private static string? DefaultOf(string cell)
        {
            if (cell.Trim() == "*(none)*")
                return null;
            var code = Code().Match(cell);
            return code.Success && cell.TrimStart().StartsWith('`') ? code.Groups[1].Value : NotLiteral;
        }
    }
}
