using System.CommandLine;
using EnContact.Syndication.Hosting;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Digests;

/// <summary>Operator verbs for the digest: schedule, editions, preview, test copy, approval.</summary>
public static class DigestCommands
{
    public static Command Build()
    {
        var digest = new Command("digest", "The weekly digest: schedule, editions, preview, test copy, approval.");

        var schedule = new Command("schedule", "The next five fire times, in the digest's time zone.");
        schedule.SetAction((_, ct) => Cli.Run(ScheduleAsync, ct));
        digest.Subcommands.Add(schedule);

        var list = new Command("list", "Every edition, newest first: key, number, status, articles, recipients.");
        list.SetAction((_, ct) => Cli.Run(ListAsync, ct));
        digest.Subcommands.Add(list);

        var subscriber = new Option<string?>("--subscriber") { Description = "Render the copy of this subscriber (their sections)." };
        var edition = new Option<string?>("--edition") { Description = "An edition's key (default: the next edition as it stands now)." };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the HTML.", Required = true };
        var preview = new Command("preview", "Render an edition to an HTML file without sending anything.");
        preview.Options.Add(subscriber);
        preview.Options.Add(edition);
        preview.Options.Add(output);
        preview.SetAction((parse, ct) => Cli.Run((app, token) => PreviewAsync(app, parse.GetValue(edition), parse.GetValue(subscriber), parse.GetValue(output)!, token), ct));
        digest.Subcommands.Add(preview);

        var to = new Option<string>("--to") { Description = "Who gets the test copy.", Required = true };
        var test = new Command("send-test", "Send one copy of the next edition, marked as a test, now (through the relay or the pickup folder).");
        test.Options.Add(to);
        test.SetAction((parse, ct) => Cli.Run((app, token) => SendTestAsync(app, parse.GetValue(to)!, token), ct));
        digest.Subcommands.Add(test);

        var key = new Argument<string>("edition") { Description = "The edition's key, e.g. 2026-11-30-0800." };
        var approve = new Command("approve", "Approve an edition waiting for it (Digest:RequireApproval); it is queued at once and sent by the running gateway.");
        approve.Arguments.Add(key);
        approve.SetAction((parse, ct) => Cli.Run((app, token) => ApproveAsync(app, parse.GetValue(key)!, token), ct));
        digest.Subcommands.Add(approve);
        return digest;
    }

    private static async Task<int> ScheduleAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var schedule = app.Services.GetRequiredService<DigestSchedule>();
        foreach (var fire in schedule.Upcoming(app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), 5))
            Console.WriteLine($"{fire:yyyy-MM-dd HH:mm zzz} ({schedule.Zone.Id})  edition {schedule.KeyOf(fire)}");
        return await Task.FromResult(0);
    }

    private static async Task<int> ListAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var editions = await app.Services.GetRequiredService<DigestStore>().ListAsync(cancellationToken);
        Console.WriteLine($"{"EDITION",-16} {"N°",4} {"STATUS",-18} {"ARTICLES",8} {"RECIPIENTS",10}  REASON");
        foreach (var e in editions)
            Console.WriteLine($"{e.Key,-16} {e.Number?.ToString() ?? "-",4} {EditionStatusText.Of(e.Status),-18} {e.ItemCount,8} {e.Recipients?.ToString() ?? "-",10}  {e.Reason}");
        Console.WriteLine($"{editions.Count} edition(s)");
        return 0;
    }

    private static async Task<int> PreviewAsync(WebApplication app, string? edition, string? subscriber, FileInfo output, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (digest, problem) = await app.Services.GetRequiredService<DigestEditions>().PreviewAsync(edition, subscriber, cancellationToken);
        if (digest is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        await File.WriteAllTextAsync(output.FullName, digest.Html, cancellationToken);
        Console.WriteLine($"{output.FullName}: \"{digest.Subject}\", {digest.ItemsShown} article(s) shown, {digest.ItemsHidden} left to the web version, HTML {System.Text.Encoding.UTF8.GetByteCount(digest.Html):N0} bytes");
        return 0;
    }

    private static async Task<int> SendTestAsync(WebApplication app, string to, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (body, request, problem) = await app.Services.GetRequiredService<DigestEditions>().TestCopyAsync(to, cancellationToken);
        if (body is null || request is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        return await Cli.SendNowAsync(app, body, request, cancellationToken);
    }

    private static async Task<int> ApproveAsync(WebApplication app, string key, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        if (await app.Services.GetRequiredService<DigestEditions>().ApproveAsync(key, cancellationToken) is not { } edition)
        {
            Console.Error.WriteLine($"edition '{key}' is not waiting for approval (see 'digest list')");
            return 1;
        }
        Console.WriteLine($"edition {edition.Key} approved: {edition.Recipients} message(s) queued; the running gateway sends them");
        return 0;
    }
}
