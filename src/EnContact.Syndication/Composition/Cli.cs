using System.CommandLine;
using System.Globalization;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Composition;

/// <summary>
/// Operator verbs. Every verb builds the same gateway (same settings, same validation) and uses
/// its services; only <c>serve</c> starts the web server and the workers.
/// Exit codes: 0 done, 1 done with problems (e.g. files skipped), 2 bad configuration.
/// </summary>
public static class Cli
{
    /// <summary>ASP.NET Core's own <c>--urls</c>, accepted by every verb so that all of them read the same settings.</summary>
    public static readonly Option<string?> Urls = new("--urls")
    {
        Description = "Where to listen, e.g. http://0.0.0.0:8080 (several separated by ';'); ENCONTACT__Kestrel__Endpoints__Http__Url wins over it.",
        Recursive = true,
    };

    /// <summary>This process's <c>--urls</c>: a process runs one verb, and every verb builds its gateway through <see cref="Run"/>.</summary>
    private static string? _commandLineUrls;

    public static Task<int> InvokeAsync(string[] args)
    {
        var parse = Build().Parse(args);
        _commandLineUrls = parse.GetValue(Urls);
        return parse.InvokeAsync();
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("EnContact.Syndication: feeds and newsletters for the En-Contact magazine. Without a verb, runs 'serve'.");
        root.Options.Add(Urls);

        var serve = new Command("serve", "Run the gateway: HTTP API, content-folder ingestion and background workers (the default).");
        serve.SetAction((_, ct) => Run(ServeAsync, ct, quiet: false));
        root.Subcommands.Add(serve);
        root.SetAction((_, ct) => Run(ServeAsync, ct, quiet: false));

        var migrate = new Command("migrate", "Apply pending database migrations and exit.");
        migrate.SetAction((_, ct) => Run(MigrateAsync, ct));
        root.Subcommands.Add(migrate);
        root.Subcommands.Add(StorageCommands.Build((verb, ct) => Run(verb, ct, StorageCommands.LogDefaults)));

        // Each feature owns its verbs; they run through the same harness.
        foreach (var verbs in ArticleCommands.Build(Run).Concat(FeedCommands.Build(Run)))
            root.Subcommands.Add(verbs);
        root.Subcommands.Add(DeliveryCommands.Build(Run));
        root.Subcommands.Add(Subscribers.SubscriberCommands.Build(Run));
        root.Subcommands.Add(Members.MemberCommands.Build(Run));
        root.Subcommands.Add(Digests.DigestCommands.Build(Run));
        root.Subcommands.Add(Desk.StaffCommands.Build(Run));
        root.Subcommands.Add(Sources.SourceCommands.Build(Run));

        var dump = new Command("config-dump", "Print the effective settings (defaults, appsettings.json, ENCONTACT__ variables) with secrets masked.");
        dump.SetAction((_, ct) => Run(DumpAsync, ct));
        root.Subcommands.Add(dump);
        return root;
    }

    /// <summary>The harness of every one-shot verb (see <see cref="VerbRunner"/>); its log shows only warnings and errors unless the settings say otherwise.</summary>
    public static Task<int> Run(Verb verb, CancellationToken cancellationToken) => Run(verb, cancellationToken, quiet: true);

    private static Task<int> Run(Verb verb, CancellationToken cancellationToken, bool quiet) =>
        Run(verb, cancellationToken, quiet ? GatewayLogging.VerbDefaults : new Dictionary<string, string?>());

    /// <summary>The harness with its own logging defaults (they still lose to every file and variable).</summary>
    private static async Task<int> Run(Verb verb, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?> logDefaults)
    {
        WebApplication app;
        try
        {
            // Every setting is checked here, once, before the verb touches any of them.
            app = Program.CreateApp(new GatewaySettings
            {
                Defaults = logDefaults,
                Urls = _commandLineUrls,
            });
        }
        catch (Exception e) when (Problems(e) is { Count: > 0 } problems)
        {
            return ConfigurationError(problems);
        }

        await using (app)
        {
            try
            {
                return await verb(app, cancellationToken);
            }
            catch (Exception e) when (Problems(e) is { Count: > 0 } problems)
            {
                return ConfigurationError(problems);
            }
            catch (Templating.TemplateException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                Console.Error.WriteLine($"Cannot listen: {e.Message} Another process (another gateway?) uses that address; choose another with --urls or ENCONTACT__Kestrel__Endpoints__Http__Url.");
                return 1;
            }
            catch (Exception e) when (Unreachable(e) is { } reason)
            {
                Console.Error.WriteLine($"Cannot reach the database {app.Services.GetRequiredService<Database>().Description}: {reason} (check Storage:ConnectionString and that the server runs)");
                return 1;
            }
        }
    }

    /// <summary>Why the database could not be reached, when that is what <paramref name="e"/> says; null otherwise.</summary>
    private static string? Unreachable(Exception e) => e switch
    {
        Npgsql.NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } or Npgsql.PostgresException { SqlState: "28P01" or "28000" or "3D000" } => e.Message,
        System.Net.Sockets.SocketException => e.Message,
        _ => null,
    };

    /// <summary>The settings problems an exception carries (one validator's, or several validators' together).</summary>
    private static List<string> Problems(Exception e) => e switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.All(i => i is OptionsValidationException) => [.. aggregate.InnerExceptions.SelectMany(Problems)],
        _ => [],
    };

    private static int ConfigurationError(IReadOnlyCollection<string> problems)
    {
        Console.Error.WriteLine($"Configuration error: {problems.Count} setting(s) to fix (appsettings.json, appsettings.{{Environment}}.json or ENCONTACT__Section__Key variables):");
        foreach (var problem in problems)
            Console.Error.WriteLine(problem);
        return 2;
    }

    private static async Task<int> ServeAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.RunAsync();
        return 0;
    }

    private static async Task<int> MigrateAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var migrator = app.Services.GetRequiredService<Migrator>();
        var applied = await migrator.MigrateAsync(cancellationToken);
        var versions = await migrator.AppliedVersionsAsync(cancellationToken);
        var database = app.Services.GetRequiredService<Database>().Description;
        foreach (var migration in applied)
            Console.WriteLine($"applied {migration.Version:0000} {migration.Name}");
        Console.WriteLine($"{database} is at schema version {versions.LastOrDefault():0000} ({applied.Count} migration(s) applied now)");
        return 0;
    }

    private static Task<int> DumpAsync(WebApplication app, CancellationToken cancellationToken)
    {
        Console.WriteLine(ConfigDump.Render(app.Services, app.Configuration));
        return Task.FromResult(0);
    }
}
