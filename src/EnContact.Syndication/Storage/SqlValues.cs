using System.Globalization;
using System.Text.Json;

namespace EnContact.Syndication.Storage;

/// <summary>
/// How values are written to and read from SQL columns, in one place so the PostgreSQL provider
/// can change them together. Instants are UTC text in a fixed-width ISO 8601 form so that text
/// comparison orders them in time.
/// </summary>
public static class SqlValues
{
    private const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ReadInstant(string text) =>
        new(DateTime.ParseExact(text, InstantFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    public static string List(IReadOnlyList<string> values) => JsonSerializer.Serialize(values);

    public static IReadOnlyList<string> ReadList(string json) =>
        JsonSerializer.Deserialize<string[]>(json) ?? [];

    public static object OrNull(string? value) => value is null ? DBNull.Value : value;
}
