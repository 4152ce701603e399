using System.CommandLine;
using System.Globalization;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Hosting;

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

        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder of Markdown articles with YAML front matter; paths inside it become the articles' sources." };
        var import = new Command("import", "Ingest every article file of a folder once (nothing is marked deleted), report problems and exit.");
        import.Arguments.Add(folder);
        import.SetAction((parse, ct) => Run((app, token) => ImportAsync(app, parse.GetValue(folder)!, token), ct));
        root.Subcommands.Add(import);

        var section = new Option<string?>("--section") { Description = "Only this section (as written, e.g. indiscrétions)." };
        var status = new Option<string?>("--status") { Description = "Only this status: published, draft, scheduled or deleted." };
        var limit = new Option<int>("--limit") { Description = "At most this many rows (newest first).", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List articles, newest first, with their id, status and publication time in the magazine's time zone.");
        list.Options.Add(section);
        list.Options.Add(status);
        list.Options.Add(limit);
        list.SetAction((parse, ct) => Run((app, token) => ListAsync(app, parse.GetValue(section), parse.GetValue(status), parse.GetValue(limit), token), ct));
        var articles = new Command("articles", "Look at the article store.");
        articles.Subcommands.Add(list);
        root.Subcommands.Add(articles);

        var exportFolder = new Argument<DirectoryInfo>("folder") { Description = "Where to write the feed files (created if missing)." };
        var export = new Command("export", "Render every feed from the store once and write the files to a folder (each written atomically), then exit.");
        export.Arguments.Add(exportFolder);
        export.SetAction((parse, ct) => Run((app, token) => ExportFeedsAsync(app, parse.GetValue(exportFolder)!, token), ct));
        var feeds = new Command("feeds", "Work with the RSS, Atom and JSON feeds.");
        feeds.Subcommands.Add(export);
        root.Subcommands.Add(feeds);

        root.Subcommands.Add(DeliveryCommands.Build());
        root.Subcommands.Add(Subscribers.SubscriberCommands.Build());
        root.Subcommands.Add(Digests.DigestCommands.Build());

        var dump = new Command("config-dump", "Print the effective settings (defaults, appsettings.json, ENCONTACT__ variables) with secrets masked.");
        dump.SetAction((_, ct) => Run(DumpAsync, ct));
        root.Subcommands.Add(dump);
        return root;
    }

    internal static async Task<int> Run(Func<WebApplication, CancellationToken, Task<int>> verb, CancellationToken cancellationToken, bool quiet = true)
    {
        WebApplication app;
        try
        {
            // Every setting is checked here, once, before the verb touches any of them.
            app = Program.CreateApp(new GatewaySettings
            {
                Defaults = quiet ? GatewayLogging.VerbDefaults : new Dictionary<string, string?>(),
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
        }
    }

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
        var database = app.Services.GetRequiredService<SqliteConnectionFactory>().DatabasePath;
        foreach (var migration in applied)
            Console.WriteLine($"applied {migration.Version:0000} {migration.Name}");
        Console.WriteLine($"{database} is at schema version {versions.LastOrDefault():0000} ({applied.Count} migration(s) applied now)");
        return 0;
    }

    private static async Task<int> ImportAsync(WebApplication app, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            Console.Error.WriteLine($"folder '{folder.FullName}' does not exist");
            return 1;
        }
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var report = await app.Services.GetRequiredService<ContentScanner>().ScanAsync(folder.FullName, ScanMode.Import, null, cancellationToken);
        Console.WriteLine(report);
        if (report.Problems == 0)
            return 0;
        foreach (var problem in await app.Services.GetRequiredService<ContentSourceStore>().ListProblemsAsync(cancellationToken))
            Console.Error.WriteLine($"  {problem.Source}{(problem.Line is null ? "" : $" line {problem.Line}")}: {problem.Reason}");
        return 1;
    }

    private static async Task<int> ListAsync(WebApplication app, string? section, string? status, int limit, CancellationToken cancellationToken)
    {
        ArticleStatus? statusFilter = null;
        if (status is not null)
        {
            try { statusFilter = ArticleStore.ParseStatus(status); }
            catch (FormatException) { Console.Error.WriteLine($"--status: '{status}' is not one of published, draft, scheduled, deleted"); return 1; }
        }
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var zone = app.Services.GetRequiredService<MagazineTime>().Zone;
        var page = await app.Services.GetRequiredService<ArticleStore>().ListAsync(
            new ArticleQuery { Section = section, Status = statusFilter, PageSize = Math.Clamp(limit, 1, 10_000) }, cancellationToken);
        Console.WriteLine($"{"ID",-36} {"STATUS",-9} {"PUBLISHED (" + zone.Id + ")",-26} {"SECTION",-16} TITLE");
        foreach (var a in page.Items)
        {
            var local = TimeZoneInfo.ConvertTime(a.PublishedAt, zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
            Console.WriteLine($"{a.Id,-36} {ArticleStore.StatusText(a.Status),-9} {local,-26} {a.Section ?? "-",-16} {a.Title}");
        }
        Console.WriteLine($"{page.Items.Count} of {page.Total} article(s)");
        return 0;
    }

    private static async Task<int> ExportFeedsAsync(WebApplication app, DirectoryInfo folder, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var articles = await app.Services.GetRequiredService<ArticleStore>().ListPublishedAsync(cancellationToken);
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var documents = app.Services.GetRequiredService<FeedSetBuilder>().Build(articles)
            .Select(feed => FeedDocument.Create(feed, null, now)).ToArray();
        folder.Create();
        var written = await FeedMirror.WriteAsync(folder.FullName, documents, cancellationToken);
        Console.WriteLine($"{documents.Length} feed files from {articles.Count} published articles in {folder.FullName} ({written} written, {documents.Length - written} already up to date)");
        return 0;
    }

    private static Task<int> DumpAsync(WebApplication app, CancellationToken cancellationToken)
    {
        Console.WriteLine(ConfigDump.Render(app.Services, app.Configuration));
        return Task.FromResult(0);
    }
}
