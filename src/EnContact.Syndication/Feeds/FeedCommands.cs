using System.CommandLine;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Feeds;

/// <summary>Operator verbs for the feeds: render them all once into a folder.</summary>
public static class FeedCommands
{
    public static IEnumerable<Command> Build(VerbRunner run)
    {
        var exportFolder = new Argument<DirectoryInfo>("folder") { Description = "Where to write the feed files (created if missing)." };
        var export = new Command("export", "Render every feed from the store once and write the files to a folder (each written atomically), then exit.");
        export.Arguments.Add(exportFolder);
        export.SetAction((parse, ct) => run((app, token) => ExportAsync(app, parse.GetValue(exportFolder)!, token), ct));
        var feeds = new Command("feeds", "Work with the RSS, Atom and JSON feeds.");
        feeds.Subcommands.Add(export);
        yield return feeds;
    }

    private static async Task<int> ExportAsync(WebApplication app, DirectoryInfo folder, CancellationToken cancellationToken)
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
}
