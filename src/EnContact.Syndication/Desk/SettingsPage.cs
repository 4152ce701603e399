using System.Collections;
using System.Reflection;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Desk;

public sealed record SettingRow(string Key, string Value, bool IsSecret);

public sealed record SettingsSectionView(string Name, IReadOnlyList<SettingRow> Rows);

public sealed record SettingsPageModel : DeskPageModel
{
    public required IReadOnlyList<SettingsSectionView> Sections { get; init; }
}

/// <summary>The effective settings, read-only, as <c>config-dump</c> prints them: every section of the registry, secrets shown as set or not, never their value.</summary>
public static class SettingsPage
{
    public static Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, SettingsRegistry registry)
    {
        var sections = registry.Sections.Select(section =>
        {
            var options = section.Resolve(http.RequestServices);
            return new SettingsSectionView(section.Name, section.Keys.Select(key => Row(key, key.GetValue(options))).ToList());
        }).ToList();
        return kit.RenderAsync(http, "Settings", new SettingsPageModel { Title = "Réglages", Menu = "reglages", Sections = sections });
    }

    private static SettingRow Row(PropertyInfo key, object? value)
    {
        if (key.GetCustomAttribute<SecretAttribute>() is not null)
            return new SettingRow(key.Name, value is null or "" or ICollection { Count: 0 } ? "(non défini)" : "défini (masqué)", true);
        var text = value switch
        {
            null => "(aucun)",
            string s => s,
            IEnumerable list => string.Join(", ", list.Cast<object>()),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return new SettingRow(key.Name, text, false);
    }
}
