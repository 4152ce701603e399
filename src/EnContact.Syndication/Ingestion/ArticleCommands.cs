using System.CommandLine;
using System.Globalization;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Ingestion;

/// <summary>Operator verbs for articles: import a folder once, list what the store holds.</summary>
public static class ArticleCommands
{
    public static IEnumerable<Command> Build(VerbRunner run)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder of Markdown articles with YAML front matter; paths inside it become the articles' sources." };
        var import = new Command("import", "Ingest every article file of a folder once (nothing is marked deleted), report problems and exit.");
        import.Arguments.Add(folder);
        import.SetAction((parse, ct) => run((app, token) => ImportAsync(app, parse.GetValue(folder)!, token), ct));
        yield return import;

        var section = new Option<string?>("--section") { Description = "Only this section (as written, e.g. indiscrétions)." };
        var status = new Option<string?>("--status") { Description = "Only this status: published, draft, scheduled or deleted." };
        var limit = new Option<int>("--limit") { Description = "At most this many rows (newest first).", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List articles, newest first, with their id, status and publication time in the magazine's time zone.");
        list.Options.Add(section);
        list.Options.Add(status);
        list.Options.Add(limit);
        list.SetAction((parse, ct) => run((app, token) => ListAsync(app, parse.GetValue(section), parse.GetValue(status), parse.GetValue(limit), token), ct));
        var articles = new Command("articles", "Look at the article store.");
        articles.Subcommands.Add(list);
        yield return articles;
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
            if (!EnumText.TryParse<ArticleStatus>(status, out var parsed))
            {
                Console.Error.WriteLine($"--status: '{status}' is not one of {string.Join(", ", EnumText.All<ArticleStatus>())}");
                return 1;
            }
            statusFilter = parsed;
        }
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var zone = app.Services.GetRequiredService<MagazineTime>().Zone;
        var page = await app.Services.GetRequiredService<ArticleStore>().ListAsync(
            new ArticleQuery { Section = section, Status = statusFilter, PageSize = Math.Clamp(limit, 1, 10_000) }, cancellationToken);
        Console.WriteLine($"{"ID",-36} {"STATUS",-9} {"PUBLISHED (" + zone.Id + ")",-26} {"SECTION",-16} TITLE");
        foreach (var a in page.Items)
        {
            var local = TimeZoneInfo.ConvertTime(a.PublishedAt, zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
            Console.WriteLine($"{a.Id,-36} {EnumText.Of(a.Status),-9} {local,-26} {a.Section ?? "-",-16} {a.Title}");
        }
        Console.WriteLine($"{page.Items.Count} of {page.Total} article(s)");
        return 0;
    }
}
