using CsvHelper;

namespace EnContact.Syndication.Members;

/// <summary>One problem of an import: the line of the file, the column (null: the whole line) and what is wrong.</summary>
public sealed record MemberImportProblem(int Line, string? Column, string Message);

/// <summary>The rows that can be imported, each with its line; the problems; or why the file cannot be read at all.</summary>
public sealed record MemberCsvResult(IReadOnlyList<(int Line, MemberUpsert Member)> Rows, IReadOnlyList<MemberImportProblem> Problems, string? FileProblem);

/// <summary>
/// The members' import format: RFC 4180 CSV, UTF-8, a header row naming the columns (any order, others
/// ignored): <c>external_id</c> and <c>email</c> (required), <c>name</c>, <c>expires_at</c> (ISO 8601,
/// magazine time when no offset; empty for none).
/// </summary>
public static class MemberCsv
{
    public const string Header = "external_id,email,name,expires_at";

    public static MemberCsvResult Parse(TextReader text, MagazineTime magazineTime)
    {
        var problems = new List<MemberImportProblem>();
        var options = CsvInput.Options((line, reason) => problems.Add(new MemberImportProblem(line, null, reason)));
        using var csv = CsvReader.Create(text, options, leaveOpen: true);
        try
        {
            csv.ReadHeader();
        }
        catch (CsvFormatException e)
        {
            return new([], [], $"the header line cannot be read: {e.Message}");
        }
        var header = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToHashSet();
        if (header.Count == 0 || header.All(string.IsNullOrEmpty))
            return new([], [], $"the file is empty; the first line must name the columns ({Header})");
        foreach (var required in new[] { "external_id", "email" })
            if (!header.Contains(required))
                return new([], [], $"no '{required}' column in the header line ({string.Join(",", csv.Headers)}); expected {Header}");

        var rows = new List<(int, MemberUpsert)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            try
            {
                if (!csv.Read())
                    break;
            }
            catch (CsvFormatException e)
            {
                problems.Add(new MemberImportProblem((int)e.LineNumber, null, $"the file cannot be read from here on: {e.Message}"));
                break;
            }
            var line = (int)csv.LineNumber;
            var id = Field(csv, "external_id")?.Trim() ?? "";
            if (MemberInput.CheckExternalId(id) is { } idProblem)
            {
                problems.Add(new MemberImportProblem(line, "external_id", idProblem));
                continue;
            }
            var fields = new Dictionary<string, string>();
            var member = MemberInput.Check(id, Field(csv, "email"), Field(csv, "name"), Field(csv, "expires_at"), magazineTime, fields, "expires_at");
            if (member is null)
            {
                problems.AddRange(fields.Select(f => new MemberImportProblem(line, f.Key, f.Value)));
                continue;
            }
            if (seen.TryGetValue(id, out var first))
            {
                problems.Add(new MemberImportProblem(line, "external_id", $"'{id}' is already on line {first}"));
                continue;
            }
            seen[id] = line;
            rows.Add((line, member));
        }
        return new MemberCsvResult(rows, problems.OrderBy(p => p.Line).ToList(), null);
    }

    private static string? Field(CsvReader csv, string name) =>
        csv.TryGetFieldIndex(name, out var index) ? csv.GetString(index) : null;
}
