using System.Text;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Removes what XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF; lone
/// surrogates) and brings text to Unicode NFC, so a stray character in a title can never make
/// a feed ill-formed or throw inside System.ServiceModel.Syndication.
/// </summary>
public static class TextCleaner
{
    public static bool IsXmlChar(string text, int index, out int length)
    {
        var c = text[index];
        length = 1;
        if (char.IsHighSurrogate(c))
        {
            if (index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
            {
                length = 2;
                return true;
            }
            return false;
        }
        if (char.IsLowSurrogate(c))
            return false;
        return c is '\t' or '\n' or '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
    }

    /// <summary>The text without XML-forbidden characters, in NFC; <paramref name="removed"/> lists what went (as U+XXXX).</summary>
    public static string RemoveForbidden(string text, out IReadOnlyList<string> removed)
    {
        List<string>? gone = null;
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length;)
        {
            if (IsXmlChar(text, i, out var length))
            {
                builder?.Append(text, i, length);
            }
            else
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                (gone ??= []).Add($"U+{(int)text[i]:X4}");
            }
            i += length;
        }

        removed = gone ?? (IReadOnlyList<string>)[];
        var result = builder?.ToString() ?? text;
        return result.IsNormalized(NormalizationForm.FormC) ? result : result.Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// A single-line text: forbidden characters removed, every run of breaking white space (spaces,
    /// tabs, line breaks) made one space, trimmed. No-break spaces (U+00A0, U+202F) stay: French
    /// typography puts them before ':', ';', '?', '!' and inside « ».
    /// </summary>
    public static string SingleLine(string text, out IReadOnlyList<string> removed)
    {
        var clean = RemoveForbidden(text, out removed);
        var builder = new StringBuilder(clean.Length);
        var pendingSpace = false;
        foreach (var c in clean)
        {
            if (char.IsWhiteSpace(c) && c is not ('\u00A0' or '\u202F' or '\u2007'))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
                builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
