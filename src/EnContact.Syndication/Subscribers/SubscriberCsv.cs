using System.Globalization;
using CsvHelper;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// The import and export format: RFC 4180 CSV, UTF-8, a header row. Import columns (any order, others
/// ignored): <c>email</c> (required), <c>name</c>, <c>consent_date</c> (required; ISO 8601, magazine time
/// when no offset), <c>consent_source</c> (or the import's source), <c>sections</c> (separated by
/// <c>;</c>, empty for all). The export writes the same columns first, so an export imports back.
/// </summary>
public static class SubscriberCsv
{
    public static readonly string[] ExportColumns =
        ["email", "name", "consent_date", "consent_source", "sections", "status", "id", "created_at", "confirmed_at", "unsubscribed_at", "suppression"];

    /// <summary>
    /// Reads and checks every row. Returns the rows that can be imported and, for the others, the line
    /// and the reason; or a single problem when the file itself cannot be read (no header, no email column).
    /// </summary>
    public static CsvParseResult Parse(TextReader text, IReadOnlyList<string> knownSections, string? defaultSource, MagazineTime magazineTime, DateTimeOffset now)
    {
        var rejected = new List<ImportOutcome>();
        var options = CsvInput.Options((line, reason) => rejected.Add(new ImportOutcome(line, null, ImportResult.Rejected, reason)));
        using var csv = CsvReader.Create(text, options, leaveOpen: true);
        try
        {
            csv.ReadHeader();
        }
        catch (CsvFormatException e)
        {
            return CsvParseResult.FileProblem($"the header line cannot be read: {e.Message}");
        }
        var header = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
        if (header.Count == 0 || header.All(string.IsNullOrEmpty))
            return CsvParseResult.FileProblem("the file is empty; the first line must name the columns (email,name,consent_date,consent_source,sections)");
        if (!header.Contains("email"))
            return CsvParseResult.FileProblem($"no 'email' column in the header line ({string.Join(",", csv.Headers)})");
        if (!header.Contains("consent_date"))
            return CsvParseResult.FileProblem("no 'consent_date' column: an import needs the date each person consented");

        var rows = new List<ImportRow>();
        var seen = new Dictionary<string, int>();
        var sectionsByKey = knownSections.ToDictionary(s => s.ToLowerInvariant(), s => s);
        while (true)
        {
            try
            {
                if (!csv.Read())
                    break;
            }
            catch (CsvFormatException e)
            {
                rejected.Add(new ImportOutcome((int)e.LineNumber, null, ImportResult.Rejected, $"the file cannot be read from here on: {e.Message}"));
                break;
            }
            var line = (int)csv.LineNumber;
            var rawEmail = Field(csv, "email");
            var row = CheckRow(line, rawEmail, csv, sectionsByKey, defaultSource, magazineTime, now, out var problem);
            if (row is null)
                rejected.Add(new ImportOutcome(line, rawEmail, ImportResult.Rejected, problem));
            else if (seen.TryGetValue(row.Address, out var first))
                rejected.Add(new ImportOutcome(line, row.Address, ImportResult.Rejected, $"duplicate of line {first}"));
            else
            {
                seen[row.Address] = line;
                rows.Add(row);
            }
        }
        return new CsvParseResult(rows, rejected, null);
    }

    private static ImportRow? CheckRow(int line, string? rawEmail, CsvReader csv, Dictionary<string, string> sectionsByKey, string? defaultSource,
        MagazineTime magazineTime, DateTimeOffset now, out string problem)
    {
        if (!MailInput.TryNormalizeAddress("email", rawEmail, out var address, out problem))
            return null;
        var name = NullIfEmpty(Field(csv, "name"));
        if (MailInput.CheckHeaderText("name", name, MailInput.MaxNameLength) is { } nameProblem)
        {
            problem = nameProblem;
            return null;
        }
        var consentText = Field(csv, "consent_date");
        if (string.IsNullOrWhiteSpace(consentText))
        {
            problem = "consent_date: is required (when and how this person agreed to receive the letter)";
            return null;
        }
        if (!magazineTime.TryParse(consentText, out var consentAt, out var dateProblem))
        {
            problem = $"consent_date: {dateProblem}";
            return null;
        }
        if (consentAt > now + TimeSpan.FromDays(1))
        {
            problem = $"consent_date: {consentText} is in the future";
            return null;
        }
        var source = NullIfEmpty(Field(csv, "consent_source")) ?? NullIfEmpty(defaultSource);
        if (source is null)
        {
            problem = "consent_source: is required (a column, or the import's source)";
            return null;
        }
        if (MailInput.CheckHeaderText("consent_source", source, 200) is { } sourceProblem)
        {
            problem = sourceProblem;
            return null;
        }
        // No section named (an empty field, or only separators) means every section.
        List<string>? sections = null;
        var parts = (Field(csv, "sections") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > 0)
        {
            sections = [];
            foreach (var part in parts)
            {
                if (!sectionsByKey.TryGetValue(part.ToLowerInvariant(), out var section))
                {
                    problem = $"sections: '{part}' is not one of {string.Join(", ", sectionsByKey.Values)}";
                    return null;
                }
                if (!sections.Contains(section))
                    sections.Add(section);
            }
        }
        problem = "";
        return new ImportRow(line, address, name, consentAt, source, sections);
    }

    /// <summary>Writes the export. Cells that a spreadsheet would run as a formula (=, +, -, @) are prefixed with a quote.</summary>
    public static async Task WriteAsync(IAsyncEnumerable<Subscriber> subscribers, TextWriter text, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(text, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteHeader(ExportColumns);
        await foreach (var s in subscribers.WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(
            [
                s.Address, s.Name ?? "", Instant(s.ConsentAt), s.ConsentSource ?? "", s.Sections is null ? "" : string.Join(";", s.Sections),
                EnumText.Of(s.Status), s.Id, Instant(s.CreatedAt), Instant(s.ConfirmedAt), Instant(s.UnsubscribedAt), s.Suppression ?? "",
            ], cancellationToken);
        }
        await csv.FlushAsync(cancellationToken);
    }

    private static string Instant(DateTimeOffset? value) => value is null ? "" : SqlValues.Instant(value.Value);

    /// <summary>
    /// A cell as it was before our export protected it from spreadsheets: a leading apostrophe before
    /// = + - @ is dropped, so an export imports back unchanged (an address such as -info@exemple.fr included).
    /// </summary>
    private static string? Field(CsvReader csv, string name)
    {
        if (!csv.TryGetFieldIndex(name, out var index))
            return null;
        var value = csv.GetString(index);
        return value.Length > 1 && value[0] == '\'' && value[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? value[1..] : value;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The rows that can be imported, those that cannot (with line and reason), or why the file cannot be read at all.</summary>
public sealed record CsvParseResult(IReadOnlyList<ImportRow> Rows, IReadOnlyList<ImportOutcome> Rejected, string? Problem)
{
    public static CsvParseResult FileProblem(string problem) => new([], [], problem);
}
