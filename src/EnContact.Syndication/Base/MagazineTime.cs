using System.Globalization;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Base;

/// <summary>
/// Reads the dates editors write. A date with an offset (<c>2026-10-27T07:45:00+01:00</c>, <c>…Z</c>)
/// is that instant. A date without one (<c>2026-11-20 09:30</c>, <c>2026-11-20</c>) is a wall-clock
/// time in the magazine's time zone: a time that does not exist there (skipped by the spring
/// change) is an error; one that happens twice (autumn change) is the first of the two, in
/// summer time — the reading a person means when writing "02:30" before the clocks go back.
/// </summary>
public sealed class MagazineTime(IOptions<SiteOptions> site)
{
    private static readonly string[] WithOffset =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mmK",
    ];

    private static readonly string[] WithoutOffset =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm",
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
    ];

    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(site.Value.TimeZone);

    /// <summary>The magazine's time zone (<c>Site:TimeZone</c>): the one place the gateway learns it.</summary>
    public TimeZoneInfo Zone => _zone;

    public bool TryParse(string text, out DateTimeOffset instant, out string error)
    {
        text = text.Trim();
        if (text.EndsWith('z'))
            text = text[..^1] + "Z"; // RFC 3339 allows a lower-case z
        error = "";
        if (DateTimeOffset.TryParseExact(text, WithOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant)
            && HasExplicitOffset(text))
        {
            instant = instant.ToUniversalTime();
            return true;
        }

        if (!DateTime.TryParseExact(text, WithoutOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            error = $"'{text}' is not a date; write 2026-11-20 09:30 (magazine time) or 2026-11-20T09:30:00+01:00";
            return false;
        }

        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (_zone.IsInvalidTime(local))
        {
            error = $"'{text}' does not exist in {_zone.Id}: the clocks skip that hour when summer time starts";
            return false;
        }

        TimeSpan offset;
        if (_zone.IsAmbiguousTime(local))
            offset = _zone.GetAmbiguousTimeOffsets(local).Max(); // the first occurrence: summer time
        else
            offset = _zone.GetUtcOffset(local);

        instant = new DateTimeOffset(local, offset).ToUniversalTime();
        return true;
    }

    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || (text.Length > 10 && (text.LastIndexOf('+') > 10 || text.LastIndexOf('-') > 10));
}
