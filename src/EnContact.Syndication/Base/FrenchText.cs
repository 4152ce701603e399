using System.Globalization;
using System.Text.RegularExpressions;

namespace EnContact.Syndication.Base;

/// <summary>
/// French as the gateway writes it: dates ("1er décembre 2026": the first of the month is an ordinal)
/// and the spaces French typography puts before <c>; ! ?</c> (narrow no-break, U+202F), before
/// <c>:</c> (no-break, U+00A0) and inside « » (no-break), so a line never starts with a lone "?" or "»".
/// </summary>
public static partial class FrenchText
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("fr-FR");

    public const char NarrowNoBreakSpace = '\u202F';
    public const char NoBreakSpace = '\u00A0';

    /// <summary>"1er décembre 2026", "30 novembre 2026", in <paramref name="zone"/>.</summary>
    public static string LongDate(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return $"{DayAndMonth(local)} {local.Year.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>"1er décembre", "30 novembre".</summary>
    public static string DayAndMonth(DateTimeOffset local) =>
        (local.Day == 1 ? "1er" : local.Day.ToString(CultureInfo.InvariantCulture)) + " " + local.ToString("MMMM", Culture);

    /// <summary>
    /// <paramref name="text"/> with French no-break spaces: an ordinary space before <c>; ! ?</c> becomes
    /// U+202F, before <c>:</c> U+00A0, and « » hold their words with U+00A0 (added when missing). URLs
    /// and addresses are left as they are.
    /// </summary>
    public static string Typography(string text)
    {
        if (text.IndexOfAny([';', '!', '?', ':', '«', '»']) < 0)
            return text;
        var result = new System.Text.StringBuilder(text.Length + 8);
        var last = 0;
        foreach (Match url in Unbreakable().Matches(text))
        {
            result.Append(Spaces(text[last..url.Index])).Append(url.Value);
            last = url.Index + url.Length;
        }
        return result.Append(Spaces(text[last..])).ToString();
    }

    private static string Spaces(string part)
    {
        part = BeforeHighPunctuation().Replace(part, NarrowNoBreakSpace.ToString());
        part = BeforeColon().Replace(part, NoBreakSpace.ToString());
        part = AfterOpeningQuote().Replace(part, "«" + NoBreakSpace);
        return BeforeClosingQuote().Replace(part, NoBreakSpace + "»");
    }

    /// <summary>URLs, mail addresses and times (10:30) keep their characters.</summary>
    [GeneratedRegex(@"(?:[a-z][a-z0-9+.-]*://|mailto:|www\.)\S+|\S+@\S+|\d{1,2}:\d{2}", RegexOptions.IgnoreCase)]
    private static partial Regex Unbreakable();

    [GeneratedRegex(@"[ \u00A0\u202F]+(?=[;!?])")]
    private static partial Regex BeforeHighPunctuation();

    [GeneratedRegex(@"[ \u202F]+(?=:)")]
    private static partial Regex BeforeColon();

    [GeneratedRegex(@"«[ \u202F\u00A0]*")]
    private static partial Regex AfterOpeningQuote();

    [GeneratedRegex(@"[ \u202F\u00A0]*»")]
    private static partial Regex BeforeClosingQuote();
}
