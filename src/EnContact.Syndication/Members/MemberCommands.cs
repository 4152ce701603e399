using System.CommandLine;
using System.Text;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Members;

/// <summary>Operator verbs for members: list them, import the paywall's CSV.</summary>
public static class MemberCommands
{
    public static Command Build(VerbRunner run)
    {
        var members = new Command("members", "List and import the paying members (the paywall's list).");

        var page = new Option<int>("--page") { Description = "Page number (50 members a page, newest first).", DefaultValueFactory = _ => 1 };
        var list = new Command("list", "Members, newest first: id, state, address, expiry.");
        list.Options.Add(page);
        list.SetAction((parse, ct) => run((app, token) => ListAsync(app, parse.GetValue(page), token), ct));
        members.Subcommands.Add(list);

        var file = new Argument<FileInfo>("file") { Description = $"CSV, UTF-8, header line: {MemberCsv.Header}." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and report, write nothing." };
        var revokeAbsent = new Option<bool>("--revoke-absent") { Description = "The file is the whole list: revoke active members it does not name (only if no row has a problem)." };
        var import = new Command("import", "Create or update members from a CSV; prints each problem with its line and column.");
        import.Arguments.Add(file);
        import.Options.Add(dryRun);
        import.Options.Add(revokeAbsent);
        import.SetAction((parse, ct) => run((app, token) => ImportAsync(app, parse.GetValue(file)!, parse.GetValue(dryRun), parse.GetValue(revokeAbsent), token), ct));
        members.Subcommands.Add(import);
        return members;
    }

    private static async Task MigrateAsync(WebApplication app, CancellationToken cancellationToken) =>
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);

    private static async Task<int> ListAsync(WebApplication app, int page, CancellationToken cancellationToken)
    {
        await MigrateAsync(app, cancellationToken);
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var result = await app.Services.GetRequiredService<MemberStore>().ListAsync(page, 50, cancellationToken);
        foreach (var m in result.Items)
            Console.WriteLine($"{m.ExternalId,-24} {m.StateAt(now),-8} {m.Address,-40} {(m.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm'Z'") : "-")}");
        Console.WriteLine($"{result.Items.Count} of {result.Total} member(s), page {result.Page}");
        return 0;
    }

    private static async Task<int> ImportAsync(WebApplication app, FileInfo file, bool dryRun, bool revokeAbsent, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"file '{file.FullName}' does not exist");
            return 1;
        }
        await MigrateAsync(app, cancellationToken);
        MemberImportReport? report;
        string? problem;
        try
        {
            using var reader = new StreamReader(file.FullName, new UTF8Encoding(false, throwOnInvalidBytes: true));
            (report, problem) = await app.Services.GetRequiredService<MemberImports>().RunAsync(reader, dryRun, revokeAbsent, cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            Console.Error.WriteLine($"{file.Name}: not UTF-8; save the CSV as UTF-8 and try again");
            return 1;
        }
        if (report is null)
        {
            Console.Error.WriteLine($"{file.Name}: {problem}");
            return 1;
        }
        foreach (var p in report.Problems)
            Console.WriteLine(p.Line > 0 ? $"  line {p.Line}{(p.Column is null ? "" : $", column {p.Column}")}: {p.Message}" : $"  {p.Message}");
        Console.WriteLine($"{(report.Applied ? "" : "nothing written: ")}{report.Created} created, {report.Updated} updated, {report.Reinstated} reinstated, " +
            $"{report.Unchanged} unchanged, {report.Rejected} rejected, {report.Revoked.Count} revoked");
        return report.Problems.Count > 0 ? 1 : 0;
    }
}
