using System.Collections.Frozen;
using System.Text.Json;

namespace EnContact.Syndication.Base;

/// <summary>
/// The one spelling of a state outside the code: kebab-case ("awaiting-approval", "sent-with-failures"),
/// the same as the JSON API writes (its enum converter uses the same policy), in the database, the
/// CLI's tables and query strings. One place, so a status never has two names.
/// </summary>
public static class EnumText
{
    public static string Of<T>(T value) where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {typeof(T).Name}");

    /// <summary>Reads a name written by <see cref="Of{T}"/> (any case); false for anything else, numbers included.</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum =>
        Names<T>.ByName.TryGetValue(text ?? "", out value);

    /// <summary>Reads a stored name; a name the code does not know is data damage and throws, naming <paramref name="what"/>.</summary>
    public static T Parse<T>(string text, string what) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new FormatException($"unknown {what} '{text}'");

    /// <summary>Every name of <typeparamref name="T"/>, in declaration order (for messages that list the choices).</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Names<T>.InOrder;

    private static class Names<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> InOrder = Enum.GetValues<T>().Select(v => JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString())).ToArray();
        public static readonly FrozenDictionary<T, string> ByValue = Enum.GetValues<T>().Zip(InOrder).ToFrozenDictionary(p => p.First, p => p.Second);
        public static readonly FrozenDictionary<string, T> ByName = ByValue.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
    }
}
