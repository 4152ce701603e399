using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace EnContact.Syndication.Base;

/// <summary>
/// The magazine's sections as configured (the list readers choose from). A section written another
/// way — other case, no accents, "etudes" for "études" — is that section and takes its configured
/// spelling, so its articles join the same feed and the same part of the weekly letter under one name.
/// Matching is by slug, the key section feeds already use.
/// </summary>
public sealed class SectionNames(IEnumerable<string> configured)
{
    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    private readonly FrozenDictionary<string, string> _byKey = configured
        .Select(name => (Key: Slugs.From(name), Name: name)).Where(p => p.Key.Length > 0)
        .DistinctBy(p => p.Key).ToFrozenDictionary(p => p.Key, p => p.Name, StringComparer.Ordinal);

    /// <summary>The configured spelling of <paramref name="section"/>, or the section as written when it matches none.</summary>
    public string Canonical(string section) => _byKey.TryGetValue(Slugs.From(section), out var name) ? name : section;

    /// <summary>Whether <paramref name="section"/> names a configured section (however it is written).</summary>
    public bool Knows(string section) => _byKey.ContainsKey(Slugs.From(section));

    /// <summary>A section as a title shows it, first letter capitalised: "études" → "Études".</summary>
    public static string ForDisplay(string section)
    {
        if (section.Length == 0 || Rune.DecodeFromUtf16(section, out var first, out var length) != OperationStatus.Done)
            return section;
        return Rune.ToUpper(first, French) + section[length..];
    }
}
