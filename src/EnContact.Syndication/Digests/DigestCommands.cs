using System.CommandLine;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Digests;

/// <summary>Operator verbs for the digest: schedule, editions, preview, test copy, approval.</summary>
public static class DigestCommands
{
    public static Command Build(VerbRunner run)
    {
        var digest = new Command("digest", "The weekly digest: schedule, editions, preview, test copy, approval, checks before sending.");

        var schedule = new Command("schedule", "The next five fire times, in the digest's time zone.");
        schedule.SetAction((_, ct) => run(ScheduleAsync, ct));
        digest.Subcommands.Add(schedule);

        var list = new Command("list", "Every edition, newest first: key, number, status, articles, recipients.");
        list.SetAction((_, ct) => run(ListAsync, ct));
        digest.Subcommands.Add(list);

        var subscriber = new Option<string?>("--subscriber") { Description = "Render the copy of this subscriber (their sections)." };
        var edition = new Option<string?>("--edition") { Description = "An edition's key (default: the next edition as it stands now)." };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the HTML.", Required = true };
        var since = new Option<string?>("--since") { Description = "Preview the next edition as if its period started at this date (magazine time), e.g. 2026-11-01." };
        var member = new Option<bool>("--member") { Description = "Render a paying member's copy (premium articles as Digest:MemberPremium says); a member's --subscriber gets it anyway." };
        var preview = new Command("preview", "Render an edition to an HTML file without sending anything.");
        preview.Options.Add(subscriber);
        preview.Options.Add(member);
        preview.Options.Add(edition);
        preview.Options.Add(since);
        preview.Options.Add(output);
        preview.SetAction((parse, ct) => run((app, token) => PreviewAsync(app, parse.GetValue(edition), parse.GetValue(subscriber), parse.GetValue(member), parse.GetValue(since), parse.GetValue(output)!, token), ct));
        digest.Subcommands.Add(preview);

        var to = new Option<string>("--to") { Description = "Who gets the test copy.", Required = true };
        var testEdition = new Option<string?>("--edition") { Description = "An edition's key (default: the edition waiting for approval, else the next edition as it stands)." };
        var test = new Command("send-test", "Send one copy of an edition, marked as a test, now (through the relay or the pickup folder); nothing new: nothing sent, exit 1.");
        test.Options.Add(to);
        test.Options.Add(testEdition);
        test.SetAction((parse, ct) => run((app, token) => SendTestAsync(app, parse.GetValue(to)!, parse.GetValue(testEdition), token), ct));
        digest.Subcommands.Add(test);

        var key = new Argument<string>("edition") { Description = "The edition's key, e.g. 2026-11-30-0800." };
        var approve = new Command("approve", "Approve an edition waiting for it (Digest:RequireApproval); it is queued at once and sent by the running gateway.");
        approve.Arguments.Add(key);
        approve.SetAction((parse, ct) => run((app, token) => ApproveAsync(app, parse.GetValue(key)!, token), ct));
        digest.Subcommands.Add(approve);

        var rebuild = new Command("rebuild", "Build a waiting edition again from its articles as they are now (same key and number).");
        rebuild.Arguments.Add(key);
        rebuild.SetAction((parse, ct) => run((app, token) => ChangeAsync(app, "rebuilt", e => e.RebuildAsync(parse.GetValue(key)!, token), token), ct));
        digest.Subcommands.Add(rebuild);

        var checkEdition = new Option<string?>("--edition") { Description = "An edition's key (default: the edition waiting for approval, else the next edition as it stands)." };
        var check = new Command("check", "Run the checks a letter passes before it is queued (DKIM, unsubscribe headers and links, publisher, size, return path); exit 1 when one fails.");
        check.Options.Add(checkEdition);
        check.SetAction((parse, ct) => run((app, token) => CheckAsync(app, parse.GetValue(checkEdition), token), ct));
        digest.Subcommands.Add(check);

        var overrideReason = new Option<string?>("--override") { Description = "Send it despite the failed checks; the reason is recorded on the edition with your name and the time." };
        var release = new Command("release", "Release an edition held by the checks: check its letter again and queue it if it passes (after fixing the cause), or, with --override, queue it anyway.");
        release.Arguments.Add(key);
        release.Options.Add(overrideReason);
        release.SetAction((parse, ct) => run((app, token) => ChangeAsync(app, "released",
            e => e.ReleaseAsync(parse.GetValue(key)!, parse.GetValue(overrideReason), $"the command line (user {Environment.UserName})", token), token), ct));
        digest.Subcommands.Add(release);

        var discard = new Command("discard", "Discard a waiting edition: nothing is sent, its articles go into the next edition.");
        discard.Arguments.Add(key);
        discard.SetAction((parse, ct) => run((app, token) => ChangeAsync(app, "discarded", e => e.DiscardAsync(parse.GetValue(key)!, token), token), ct));
        digest.Subcommands.Add(discard);
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
        Console.WriteLine($"{"EDITION",-16} {"N°",4} {"STATUS",-18} {"ARTICLES",8} {"RECIPIENTS",10}  OUTCOME / REASON");
        foreach (var e in editions)
        {
            var outcome = e.Counts is { } c
                ? $"{c.Sent} sent, {c.Failed} failed{(c.Bounced > 0 ? $" ({c.Bounced} of them bounced back)" : "")}, {c.Suppressed} suppressed{(c.Cancelled > 0 ? $", {c.Cancelled} cancelled" : "")}"
                : null;
            Console.WriteLine($"{e.Key,-16} {e.Number?.ToString() ?? "-",4} {EnumText.Of(e.Status),-18} {e.ItemCount,8} {e.Recipients?.ToString() ?? "-",10}  {string.Join("; ", new[] { outcome, e.Reason, e.Override }.OfType<string>())}");
        }
        Console.WriteLine($"{editions.Count} edition(s)");
        return 0;
    }

    private static async Task<int> PreviewAsync(WebApplication app, string? edition, string? subscriber, bool member, string? since, FileInfo output, CancellationToken cancellationToken)
    {
        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (!app.Services.GetRequiredService<MagazineTime>().TryParse(since, out var instant, out var error))
            {
                Console.Error.WriteLine("--since: " + error);
                return 1;
            }
            from = instant;
        }
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (digest, problem) = await app.Services.GetRequiredService<DigestEditions>().PreviewAsync(edition, subscriber, from, cancellationToken, member);
        if (digest is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        await File.WriteAllTextAsync(output.FullName, digest.Html, cancellationToken);
        Console.WriteLine($"{output.FullName}: \"{digest.Subject}\", {digest.ItemsShown} article(s) shown, {digest.ItemsHidden} left to the web version, " +
            $"HTML part {digest.EncodedHtmlBytes:N0} bytes as sent (Digest:MaxHtmlBytes {app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DigestOptions>>().Value.MaxHtmlBytes:N0}), whole message about {digest.MessageBytes:N0} bytes");
        var editions = app.Services.GetRequiredService<DigestEditions>();
        if ((edition ?? await editions.WaitingEditionKeyAsync(cancellationToken)) is { } shown)
            foreach (var change in await editions.ChangesAsync(shown, cancellationToken))
                Console.WriteLine($"  since it was built, {change.ArticleId} \"{change.Title}\": {change.Change}");
        return 0;
    }

    private static async Task<int> SendTestAsync(WebApplication app, string to, string? edition, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (body, request, problem) = await app.Services.GetRequiredService<DigestEditions>().TestCopyAsync(to, edition, cancellationToken);
        if (body is null || request is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        return await Delivery.DeliveryCommands.SendNowAsync(app, body, request, cancellationToken);
    }

    private static async Task<int> CheckAsync(WebApplication app, string? edition, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (report, snapshot, problem) = await app.Services.GetRequiredService<DigestEditions>().CheckAsync(edition, cancellationToken);
        if (report is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        Console.WriteLine($"letter of edition {snapshot!.Key} (n° {snapshot.Number}):");
        foreach (var c in report.Checks)
            Console.WriteLine($"  {EnumText.Of(c.Outcome),-8} {c.Name,-24} {c.Detail}");
        Console.WriteLine(report.Passed ? "every check passed" : $"{report.Failures.Count} check(s) failed: the edition would be held");
        return report.Passed ? 0 : 1;
    }

    private static async Task<int> ApproveAsync(WebApplication app, string key, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        if (await app.Services.GetRequiredService<DigestEditions>().ApproveAsync(key, cancellationToken) is not { } edition)
        {
            Console.Error.WriteLine($"edition '{key}' is not waiting for approval (see 'digest list')");
            return 1;
        }
        if (edition.Status == EditionStatus.Held)
        {
            Console.Error.WriteLine($"edition {edition.Key} approved but held: {edition.Reason} (see 'digest check', then 'digest release')");
            return 1;
        }
        Console.WriteLine($"edition {edition.Key} approved: {edition.Recipients} message(s) queued; the running gateway sends them");
        return 0;
    }

    private static async Task<int> ChangeAsync(WebApplication app, string done, Func<DigestEditions, Task<(EditionSummary? Edition, string? Problem)>> change, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var (edition, problem) = await change(app.Services.GetRequiredService<DigestEditions>());
        if (edition is null)
        {
            Console.Error.WriteLine(problem);
            return 1;
        }
        Console.WriteLine($"edition {edition.Key} {done}: {EnumText.Of(edition.Status)}, {edition.ItemCount} article(s)");
        if (edition.Status == EditionStatus.Held)
        {
            Console.Error.WriteLine($"still held: {edition.Reason}");
            return 1;
        }
        return 0;
    }
}
