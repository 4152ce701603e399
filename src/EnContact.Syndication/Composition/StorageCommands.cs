using System.CommandLine;
using System.Globalization;
using EnContact.Syndication.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EnContact.Syndication.Composition;

/// <summary>Operator verbs over the gateway's storage as a whole: moving a SQLite database into PostgreSQL.</summary>
public static class StorageCommands
{
    /// <summary>A copy of a large database takes minutes: its progress lines show even where the verbs log only warnings.</summary>
    public static readonly IReadOnlyDictionary<string, string?> LogDefaults = new Dictionary<string, string?>(GatewayLogging.VerbDefaults)
    {
        [$"Logging:LogLevel:{typeof(TableCopier).FullName}"] = "Information",
    };

    public static Command Build(VerbRunner run)
    {
        var storage = new Command("storage", "Move the gateway's data from one database to another.");
        var to = new Option<string>("--to")
        {
            Description = "The empty PostgreSQL database to fill, as an Npgsql connection string (Host=…;Database=…;Username=…). "
                + "Give the password with PGPASSWORD or a password file (PGPASSFILE, ~/.pgpass), not here: a command line is visible to every user of the machine.",
            Required = true,
        };
        var copy = new Command("copy",
            "Copy the SQLite database the settings name (Storage:DatabasePath) into an empty PostgreSQL database: migrate both, refuse a target "
            + "that holds data, copy every table in one transaction, compare every table's row count with the source, then commit. Stop the gateway first.");
        copy.Options.Add(to);
        copy.SetAction((parse, ct) => run((app, token) => CopyAsync(app, parse.GetValue(to)!, Console.Out, Console.Error, token), ct));
        storage.Subcommands.Add(copy);
        return storage;
    }

    /// <summary>
    /// <c>storage copy --to</c>: 0 when every table was copied and counted, 1 when the copy was refused
    /// or failed (the reason on <paramref name="error"/>; the target then holds none of the source's rows).
    /// </summary>
    public static async Task<int> CopyAsync(WebApplication app, string to, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        if (!File.Exists(options.DatabasePath))
        {
            error.WriteLine($"no SQLite database at {options.DatabasePath} (Storage:DatabasePath): nothing to copy");
            return 1;
        }
        if (ConnectionStringProblem(to) is { } problem)
        {
            error.WriteLine($"--to: {problem}");
            return 1;
        }

        var time = app.Services.GetRequiredService<TimeProvider>();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        await using var source = new SqliteDatabase(options.DatabasePath, options.BusyTimeout);
        await using var target = new PostgresDatabase(to);
        var copier = new TableCopier(time, loggers.CreateLogger<TableCopier>());
        try
        {
            var sourceApplied = await new Migrator(source, time, loggers.CreateLogger<Migrator>()).MigrateAsync(cancellationToken);
            // Refused before the target is migrated, so that a target holding data is left exactly as it was.
            if (await copier.FirstTableWithDataAsync(source, target, cancellationToken) is { } table)
                throw new TargetNotEmptyException(table);
            var targetApplied = await new Migrator(target, time, loggers.CreateLogger<Migrator>()).MigrateAsync(cancellationToken);

            var report = await copier.CopyAsync(source, target, cancellationToken);

            output.WriteLine($"source {source.Description}: schema version {report.SchemaVersion:0000} ({sourceApplied.Count} migration(s) applied now)");
            output.WriteLine($"target {target.Description}: schema version {report.SchemaVersion:0000} ({targetApplied.Count} migration(s) applied now)");
            var width = report.Tables.Select(t => t.Table.Length).Append(24).Max();
            output.WriteLine($"{"TABLE".PadRight(width)} {"ROWS",10}");
            foreach (var (name, rows) in report.Tables)
                output.WriteLine($"{name.PadRight(width)} {rows,10}");
            var seconds = Math.Max(report.Elapsed.TotalSeconds, 0.001);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.Tables.Count} tables, {report.Rows} rows copied and counted on both sides in {report.Elapsed.TotalSeconds:0.0} s ({report.Rows / seconds:0} rows/s)"));
            return 0;
        }
        catch (TableCopyException e)
        {
            error.WriteLine($"storage copy to {target.Description}: {e.Message}");
            return 1;
        }
        catch (NpgsqlException e)
        {
            error.WriteLine($"storage copy to {target.Description}: {e.Message}; nothing was committed");
            return 1;
        }
        catch (SqliteException e)
        {
            error.WriteLine($"storage copy from {source.Description}: {e.Message}; nothing was committed");
            return 1;
        }
    }

    private static string? ConnectionStringProblem(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text).Host is { Length: > 0 } ? null : "names no Host (Host=…;Database=…;Username=…)";
        }
        catch (ArgumentException e)
        {
            return $"not a PostgreSQL connection string ({e.Message})";
        }
    }
}
