using System.CommandLine;
using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>Operator verbs for subscribers: counts, CSV import (with a dry run) and export, erasure.</summary>
public static class SubscriberCommands
{
    public static Command Build(VerbRunner run)
    {
        var subscribers = new Command("subscribers", "Count, import, export and erase subscribers.");

        var counts = new Command("counts", "Subscribers by status, how many can be mailed, and readers per section.");
        counts.SetAction((_, ct) => run(CountsAsync, ct));
        subscribers.Subcommands.Add(counts);

        var file = new Argument<FileInfo>("file") { Description = "CSV, UTF-8, header line: email,name,consent_date,consent_source,sections." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and report, write nothing." };
        var source = new Option<string?>("--source") { Description = "Consent source for rows that have none (e.g. \"salon CRM 2025\")." };
        var import = new Command("import", "Import subscribers whose consent was given elsewhere; prints a report per rejected row.");
        import.Arguments.Add(file);
        import.Options.Add(dryRun);
        import.Options.Add(source);
        import.SetAction((parse, ct) => run((app, token) => ImportAsync(app, parse.GetValue(file)!, parse.GetValue(dryRun), parse.GetValue(source), token), ct));
        subscribers.Subcommands.Add(import);

        var output = new Argument<FileInfo>("file") { Description = "Where to write the CSV (overwritten)." };
        var export = new Command("export", "Write every subscriber to a CSV file (re-importable).");
        export.Arguments.Add(output);
        export.SetAction((parse, ct) => run((app, token) => ExportAsync(app, parse.GetValue(output)!, token), ct));
        subscribers.Subcommands.Add(export);

        var address = new Argument<string>("address") { Description = "The person's e-mail address." };
        var forget = new Option<bool>("--forget-suppression") { Description = "Keep no hash: a later import could bring the address back." };
        var erase = new Command("erase", "Right to erasure: remove the subscriber and every message to the address (a hash stays to keep it suppressed).");
        erase.Arguments.Add(address);
        erase.Options.Add(forget);
        erase.SetAction((parse, ct) => run((app, token) => EraseAsync(app, parse.GetValue(address)!, !parse.GetValue(forget), token), ct));
        subscribers.Subcommands.Add(erase);
        return subscribers;
    }

    private static async Task<SubscriberStore> StoreAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        return app.Services.GetRequiredService<SubscriberStore>();
    }

    private static async Task<int> CountsAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var sections = app.Services.GetRequiredService<IOptions<SubscribersOptions>>().Value.EffectiveSections;
        var counts = await (await StoreAsync(app, cancellationToken)).CountsAsync(sections, cancellationToken);
        foreach (var (status, count) in counts.ByStatus)
            Console.WriteLine($"{status,-14} {count,8}");
        Console.WriteLine($"{"mailable",-14} {counts.Mailable,8}  (active, not suppressed; {counts.ActiveButSuppressed} active but suppressed)");
        foreach (var (section, count) in counts.BySection)
            Console.WriteLine($"  {section,-20} {count,8}");
        return 0;
    }

    private static async Task<int> ImportAsync(WebApplication app, FileInfo file, bool dryRun, string? source, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"file '{file.FullName}' does not exist");
            return 1;
        }
        var store = await StoreAsync(app, cancellationToken);
        CsvParseResult parsed;
        try
        {
            using var reader = new StreamReader(file.FullName, new UTF8Encoding(false, throwOnInvalidBytes: true));
            parsed = SubscriberCsv.Parse(reader, app.Services.GetRequiredService<IOptions<SubscribersOptions>>().Value.EffectiveSections, source,
                app.Services.GetRequiredService<MagazineTime>(), app.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        }
        catch (DecoderFallbackException)
        {
            Console.Error.WriteLine($"{file.Name}: not UTF-8; save the CSV as UTF-8 and try again");
            return 1;
        }
        if (parsed.Problem is not null)
        {
            Console.Error.WriteLine($"{file.Name}: {parsed.Problem}");
            return 1;
        }
        var progress = new Progress<int>(done => Console.Error.WriteLine($"  {done}/{parsed.Rows.Count} rows checked"));
        var outcomes = (await store.ImportAsync(parsed.Rows, dryRun, progress, cancellationToken)).Concat(parsed.Rejected).OrderBy(o => o.Line).ToList();
        foreach (var outcome in outcomes.Where(o => o.Result is ImportResult.Rejected or ImportResult.Unchanged))
            Console.WriteLine($"  line {outcome.Line}: {outcome.Result.ToString().ToLowerInvariant()}: {outcome.Address ?? "-"}: {outcome.Reason}");
        Console.WriteLine($"{(dryRun ? "dry run, nothing written: " : "")}{outcomes.Count(o => o.Result == ImportResult.Created)} created, " +
            $"{outcomes.Count(o => o.Result == ImportResult.Activated)} activated, {outcomes.Count(o => o.Result == ImportResult.Unchanged)} unchanged, " +
            $"{outcomes.Count(o => o.Result == ImportResult.Rejected)} rejected");
        return outcomes.Any(o => o.Result == ImportResult.Rejected) ? 1 : 0;
    }

    private static async Task<int> ExportAsync(WebApplication app, FileInfo file, CancellationToken cancellationToken)
    {
        var store = await StoreAsync(app, cancellationToken);
        var temporary = file.FullName + ".tmp";
        // Addresses and names: the file is the operator's alone, like the database it comes from.
        await using (var writer = new StreamWriter(new FileStream(temporary, PrivateFiles.Create(FileMode.Create, FileAccess.Write)), new UTF8Encoding(false)))
            await SubscriberCsv.WriteAsync(store.ExportAsync(cancellationToken), writer, cancellationToken);
        File.Move(temporary, file.FullName, overwrite: true);
        Console.WriteLine($"subscribers written to {file.FullName}");
        return 0;
    }

    private static async Task<int> EraseAsync(WebApplication app, string address, bool keepSuppression, CancellationToken cancellationToken)
    {
        if (!MailInput.TryNormalizeAddress("address", address, out var normalized, out var error))
        {
            Console.Error.WriteLine(error);
            return 1;
        }
        var report = await (await StoreAsync(app, cancellationToken)).EraseAsync(normalized, keepSuppression, cancellationToken);
        Console.WriteLine($"{app.Services.GetRequiredService<PersonalData>().LogId(normalized)}: subscriber {(report.SubscriberRemoved ? "removed" : "not found")}, " +
            $"{report.MessagesRemoved} message(s) removed, {report.MembersRemoved} member(s) removed, {(report.SuppressionHashKept ? "a suppression hash kept" : "no trace kept")}");
        return 0;
    }
}
