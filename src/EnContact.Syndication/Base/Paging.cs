using System.Globalization;

namespace EnContact.Syndication.Base;

/// <summary>Page and page-size query parameters of the admin lists, read the same way everywhere.</summary>
public static class Paging
{
    /// <summary>The whole number <paramref name="text"/> within [<paramref name="min"/>, <paramref name="max"/>], <paramref name="fallback"/> when absent; otherwise an error under <paramref name="name"/>.</summary>
    public static int ParseRange(string name, string? text, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[name] = [$"'{text}' is not a whole number from {min} to {max}"];
        return fallback;
    }
}
