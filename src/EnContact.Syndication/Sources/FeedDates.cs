using System.Globalization;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Sources;

/// <summary>
/// Dates as CMSs really write them: RFC 822 with or without the day name, seconds or a numeric zone
/// ("Tue, 3 Nov 2026 09:30 +0100", "… GMT", "… CET"), and ISO 8601. What none of these match is no date.
/// </summary>
public static partial class FeedDates
{
    private static readonly string[] Formats =
    [
        "ddd, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm zzz", "d MMM yyyy HH:mm zzz",
        "ddd, d MMM yy HH:mm:ss zzz", "d MMM yy HH:mm:ss zzz",
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ssK",
    ];

    private static readonly Dictionary<string, string> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GMT"] = "+00:00", ["UT"] = "+00:00", ["UTC"] = "+00:00", ["Z"] = "+00:00",
        ["EST"] = "-05:00", ["EDT"] = "-04:00", ["CST"] = "-06:00", ["CDT"] = "-05:00",
        ["MST"] = "-07:00", ["MDT"] = "-06:00", ["PST"] = "-08:00", ["PDT"] = "-07:00",
        ["CET"] = "+01:00", ["CEST"] = "+02:00",
    };

    public static DateTimeOffset? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var value = Spaces().Replace(text.Trim(), " ");
        // "+0100" → "+01:00"; a zone name → its offset.
        value = NumericZone().Replace(value, m => $"{m.Groups[1].Value}{m.Groups[2].Value}:{m.Groups[3].Value}");
        var last = value.LastIndexOf(' ');
        if (last > 0 && Zones.TryGetValue(value[(last + 1)..], out var offset))
            value = value[..last] + " " + offset;
        if (DateTimeOffset.TryParseExact(value, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var parsed))
            return parsed.ToUniversalTime();
        // A day name that does not match the date ("Mon, 3 Nov 2026"): the date wins.
        var comma = value.IndexOf(", ", StringComparison.Ordinal);
        if (comma is > 0 and < 10 && DateTimeOffset.TryParseExact(value[(comma + 2)..], Formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out parsed))
            return parsed.ToUniversalTime();
        return null;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?<= )([+-])(\d{2})(\d{2})$")]
    private static partial Regex NumericZone();
}
