namespace EnContact.Syndication.Ingestion;

/// <summary>
/// One normalisation's errors and warnings, each naming its field and (for a file) the line, and the
/// cleaning every plain-text field goes through.
/// </summary>
public sealed class FieldChecks(IReadOnlyDictionary<string, int> lines)
{
    public List<FieldError> Errors { get; } = [];
    public List<FieldError> Warnings { get; } = [];

    public int? LineOf(string field) => lines.TryGetValue(field, out var line) ? line : null;

    public void Error(string field, string message) => Errors.Add(new FieldError(field, message, LineOf(field)));

    public void Warn(string field, string message) => Warnings.Add(new FieldError(field, message, LineOf(field)));

    public bool HasError(string field) => Errors.Any(e => e.Field == field);

    /// <summary>
    /// A plain-text field: its length checked first, before any markup is looked at (so a huge value
    /// costs nothing more); markup removed (entities decoded, and markup spelt as entities removed
    /// too); XML-forbidden characters removed; white space made single; null when empty or wrong.
    /// </summary>
    public string? Text(string field, string? value, int maxLength, bool lowerCase = false)
    {
        if (value is null)
            return null;
        // Markup, entities and spaces take room that cleaning gives back: allow for it, within reason.
        if (value.Length > maxLength * ArticleNormalizer.RawLengthAllowance)
        {
            Error(field, $"is {value.Length} characters long; the limit is {maxLength}");
            return null;
        }
        // A CMS export leaves markup in a title (<em>…</em>): dropped; an entity (&eacute;, &nbsp;, &amp;)
        // means its character. "a < b > c" is text and stays.
        var plain = PlainText.FromHtmlish(value, out var hadMarkup);
        if (hadMarkup)
            Warn(field, "removed HTML markup: this field is plain text");
        var clean = TextCleaner.SingleLine(plain, out var removed);
        if (removed.Count > 0)
            Warn(field, $"removed {removed.Count} character(s) that XML forbids ({string.Join(", ", removed.Distinct())})");
        if (lowerCase)
            clean = clean.ToLowerInvariant();
        if (clean.Length > maxLength)
        {
            Error(field, $"is {clean.Length} characters long; the limit is {maxLength}");
            return null;
        }
        return clean.Length == 0 ? null : clean;
    }

    /// <summary>A list of plain-text values (authors, tags), each cleaned like <see cref="Text"/>, duplicates dropped.</summary>
    public IReadOnlyList<string> List(string field, IReadOnlyList<string>? values, bool lowerCase = false)
    {
        if (values is null)
            return [];
        if (values.Count > ArticleNormalizer.MaxListItems)
        {
            Error(field, $"has {values.Count} entries; the limit is {ArticleNormalizer.MaxListItems}");
            return [];
        }
        return values.Select(v => Text(field, v, ArticleNormalizer.MaxShortTextLength, lowerCase)).OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
    }
}
