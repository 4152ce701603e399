using System.Net;
using System.Net.Http.Json;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Digests;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Storage;

/// <summary>
/// Several gateway processes on one PostgreSQL database, in one test process: stores and gateways
/// of their own (their own connection pools) racing on the same rows. Each race starts its workers
/// together and checks that what the database guarantees (skipped locked rows, advisory locks per
/// scope) keeps every outcome whole: nothing taken twice, nothing lost, no constraint error.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PostgresConcurrencyTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly MessageBody Body = new("Sujet", "Texte", "<p>HTML</p>");

    /// <summary>Runs <paramref name="count"/> workers released at the same instant; 60 s at most in all.</summary>
    private static async Task<T[]> TogetherAsync<T>(int count, Func<int, Task<T>> work)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await go.Task;
            return await work(i);
        })).ToArray();
        go.SetResult();
        return await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task<PostgresDatabase[]> MigratedAsync(TempDirectory shared, int processes, TimeProvider clock)
    {
        var connectionString = await shared.PostgresDatabaseAsync();
        var databases = Enumerable.Range(0, processes).Select(_ => new PostgresDatabase(connectionString)).ToArray();
        await new Migrator(databases[0], clock, NullLogger<Migrator>.Instance).MigrateAsync(None);
        return databases;
    }

    private static OutboxStore Outbox(Database database, TimeProvider clock) =>
        new(database, new OutboxSignal(), Options.Create(new DeliveryOptions { LeaseDuration = TimeSpan.FromMinutes(5) }), clock, NullLogger<OutboxStore>.Instance);

    /// <summary>Claims small batches until a claim comes back empty; returns (claimer, message) for each message claimed.</summary>
    private static async Task<List<(string Owner, OutboxItem Item)>> DrainAsync(OutboxStore outbox, string owner)
    {
        var claimed = new List<(string, OutboxItem)>();
        while (await outbox.ClaimAsync(owner, 7, None) is { Count: > 0 } batch)
            claimed.AddRange(batch.Select(item => (owner, item)));
        return claimed;
    }

    private static async Task<Dictionary<string, string?>> LeaseHoldersAsync(Database database)
    {
        await using var connection = await database.OpenAsync(None);
        await using var command = Sql.Command(connection, null, "SELECT message_key, leased_by FROM outbox WHERE status = 'sending'");
        await using var reader = await command.ExecuteReaderAsync();
        var holders = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            holders[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return holders;
    }

    [Fact]
    public async Task Claim_FourSendersOnTwoProcesses_TakeEveryMessageExactlyOnce_AgainAfterTheLeasesExpire()
    {
        using var shared = new TempDirectory();
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        var databases = await MigratedAsync(shared, 2, clock);
        try
        {
            var stores = databases.Select(d => Outbox(d, clock)).ToArray();
            var addresses = Enumerable.Range(0, 300).Select(i => $"lecteur{i:000}@exemple.fr").ToList();
            await stores[0].EnqueueAsync(Body, addresses.Select(a => new OutboxRequest { Campaign = "digest-48", Kind = MailKind.Bulk, RecipientAddress = a }).ToList(), None);
            var expected = addresses.Select(a => OutboxStore.KeyOf("digest-48", a)).Order(StringComparer.Ordinal).ToList();

            foreach (var round in new[] { 1, 2 })
            {
                var claimed = (await TogetherAsync(4, i => DrainAsync(stores[i % 2], $"sender-{round}-{i}"))).SelectMany(c => c).ToList();

                Assert.Equal(expected, claimed.Select(c => c.Item.MessageKey).Order(StringComparer.Ordinal));
                Assert.All(claimed, c => Assert.Equal(round, c.Item.Attempts));
                var holders = await LeaseHoldersAsync(databases[0]);
                Assert.All(claimed, c => Assert.Equal(c.Owner, holders[c.Item.MessageKey]));

                // Nobody settles: the senders "crashed". Past the lease, every message is due again.
                Assert.Empty(await stores[1].ClaimAsync("too-early", 10, None));
                clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
            }
        }
        finally
        {
            foreach (var database in databases)
                await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Settle_SameMessageFromTwoProcessesAtOnce_RecordsOneOutcomeAndItStays()
    {
        using var shared = new TempDirectory();
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        var databases = await MigratedAsync(shared, 2, clock);
        try
        {
            var stores = databases.Select(d => Outbox(d, clock)).ToArray();
            await stores[0].EnqueueAsync(Body, [new OutboxRequest { Campaign = "digest-48", Kind = MailKind.Bulk, RecipientAddress = "a@exemple.fr" }], None);
            var item = Assert.Single(await stores[0].ClaimAsync("sender-a", 10, None));

            // Two senders that both believe they hold it (a lease that ran out mid-send) report at once.
            await TogetherAsync(6, async i =>
            {
                if (i % 2 == 0)
                    await stores[i % 4 / 2].MarkSentAsync(item, $"250 2.0.0 queued as {i}", None);
                else
                    await stores[i % 4 / 2].FailAsync(item, "550 5.1.1 no such user", BounceClass.Other, None);
                return i;
            });
            var settled = (await stores[1].GetAsync(item.MessageKey, None))!.Value;
            await stores[1].MarkSentAsync(item, "250 once more", None);
            await stores[0].FailAsync(item, "550 once more", BounceClass.Other, None);
            clock.Advance(TimeSpan.FromDays(1));

            Assert.True(settled.Status switch
            {
                OutboxStatus.Sent => settled.Reply!.StartsWith("250 2.0.0 queued as ", StringComparison.Ordinal) && settled.LastError is null,
                OutboxStatus.Failed => settled.Reply is null && settled.LastError == "550 5.1.1 no such user",
                _ => false,
            }, $"a mixed or missing outcome: {settled}");
            Assert.Equal(settled, (await stores[0].GetAsync(item.MessageKey, None))!.Value);
            Assert.Equal(1, settled.Attempts);
            Assert.Empty(await stores[1].ClaimAsync("sender-b", 10, None));
        }
        finally
        {
            foreach (var database in databases)
                await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Migrate_FourProcessesStartingTogetherOnAnEmptyDatabase_ApplyEachMigrationOnce()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        var databases = Enumerable.Range(0, 4).Select(_ => new PostgresDatabase(connectionString)).ToArray();
        try
        {
            var clock = new FakeTimeProvider(Gateway.DefaultNow);
            var applied = await TogetherAsync(4, i => new Migrator(databases[i], clock, NullLogger<Migrator>.Instance).MigrateAsync(None));

            var all = Migrator.For(StorageProvider.PostgreSql).Select(m => m.Version).ToList();
            Assert.Equal(all, applied.SelectMany(a => a).Select(m => m.Version).Order());
            Assert.Equal(all, await new Migrator(databases[0], clock, NullLogger<Migrator>.Instance).AppliedVersionsAsync(None));
            Assert.Empty(await new Migrator(databases[3], clock, NullLogger<Migrator>.Instance).MigrateAsync(None));
        }
        finally
        {
            foreach (var database in databases)
                await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tick_TwoSchedulersOnTheSamePeriod_BuildOneEditionAndQueueEachSubscriberOnce_WithoutAnError()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Logging:LogLevel:EnContact.Syndication.Digests"] = "Information" };
        LogCapture[] logs = [new(), new()];
        await using var a = await Gateway.CreateAsync(postgresConnectionString: connectionString, logs: logs[0], settings: settings);
        await using var b = await Gateway.CreateAsync(postgresConnectionString: connectionString, logs: logs[1], settings: settings);
        await DigestTestData.WeekAsync(a);
        await DigestTestData.SubscribersAsync(a, ("un@exemple.fr", null), ("deux@exemple.fr", ["analyses"]), ("trois@exemple.fr", null));
        foreach (var gateway in new[] { a, b })
            gateway.Clock!.SetUtcNow(DigestTestData.Monday + TimeSpan.FromMinutes(1));

        // Each process ticks a few times at once too (start-up, timer, command line): TickAsync is safe from anywhere.
        Gateway[] gateways = [a, b];
        await TogetherAsync(4, async i =>
        {
            await gateways[i % 2].Services.GetRequiredService<DigestScheduler>().TickAsync(None);
            return i;
        });

        var edition = Assert.Single(await DigestTestData.Store(b).ListAsync(None));
        Assert.Equal((1, EditionStatus.Sending, 3), (edition.Number, edition.Status, edition.Recipients));
        var progress = Assert.Single(await a.Services.GetRequiredService<CampaignControl>().ProgressAsync(DigestCampaign.Of(edition.Key), None));
        Assert.Equal(3, progress.Total);
        var lines = logs.SelectMany(l => l.Lines).ToList();
        Assert.Single(lines, l => l.Contains($"Edition {edition.Key} (n° 1) built", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateEdition_ManyPeriodsRacedByTwoProcesses_EachOnceWithConsecutiveNumbers()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        await using var a = await Gateway.CreateAsync(postgresConnectionString: connectionString);
        await using var b = await Gateway.CreateAsync(postgresConnectionString: connectionString);
        DigestStore[] stores = [DigestTestData.Store(a), DigestTestData.Store(b)];
        var builder = DigestTestData.Builder(a);

        // Every period is asked for by both processes; the periods themselves race for the numbers.
        var results = await TogetherAsync(24, i =>
        {
            var key = $"2027-{i / 2:00}";
            var fireAt = DigestTestData.Monday.AddDays(7 * (i / 2));
            return stores[i % 2].CreateAsync(key, fireAt, fireAt.AddDays(-7), number => builder.Snapshot(key, number, fireAt, fireAt.AddDays(-7), []),
                EditionStatus.Ready, EditionStatus.Empty, null, None);
        });

        var editions = await stores[0].ListAsync(None);
        Assert.Equal(12, editions.Count);
        Assert.Equal(Enumerable.Range(1, 12), editions.Select(e => e.Number!.Value).Order());
        Assert.All(results.GroupBy(r => r.Edition.Key), period =>
        {
            Assert.Single(period, r => r.Created);
            Assert.Single(period.Select(r => r.Edition.Number).Distinct());
        });
    }

    private static object ArticleBody(string title, string? slug = null) => new
    {
        title,
        slug,
        published = "2026-11-20 09:30",
        authors = new[] { "Claire Dubois" },
        section = "analyses",
        summary = "Le chapeau.",
        contentMarkdown = "Premier paragraphe.",
    };

    [Fact]
    public async Task PutArticle_SameArticleFromTwoGatewaysAtOnce_LastWriterWinsAndEverySaveHasItsOwnVersion()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        await using var a = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        await using var b = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        Gateway[] gateways = [a, b];

        var saves = await TogetherAsync(10, async i =>
        {
            var response = await gateways[i % 2].Client.PutAsJsonAsync("/api/articles/ec-course", ArticleBody($"Version {i}"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{response.StatusCode}: {text}");
            return (await response.Content.ReadFromJsonAsync<ArticleSaveResponse>())!;
        });

        Assert.Single(saves, s => s.Outcome == "created");
        Assert.Equal(9, saves.Count(s => s.Outcome == "updated"));
        Assert.Equal(10, saves.Select(s => s.Article.Version).Distinct().Count());
        var last = saves.MaxBy(s => s.Article.Version)!;
        var stored = await b.SingleArticleAsync("ec-course");
        Assert.Equal((last.Article.Title, last.Article.Version), (stored.Title, stored.Version));
        Assert.Equal(10, await a.Articles.CurrentVersionAsync(None));
    }

    [Fact]
    public async Task PutArticle_TwoArticlesClaimingOneSlugFromTwoGateways_OneIsSavedTheOtherIsTold409()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        await using var a = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        await using var b = await Gateway.CreateAsync(start: true, postgresConnectionString: connectionString);
        Gateway[] gateways = [a, b];

        var answers = await TogetherAsync(12, async i =>
        {
            var slug = $"meme-sujet-{i / 2}";
            var response = await gateways[i % 2].Client.PutAsJsonAsync($"/api/articles/{slug}-{(i % 2 == 0 ? "a" : "b")}", ArticleBody($"Sujet {i}", slug));
            return (Slug: slug, response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        });

        Assert.All(answers.GroupBy(x => x.Slug), pair =>
        {
            Assert.Single(pair, x => x.StatusCode == HttpStatusCode.Created);
            Assert.Single(pair, x => x.StatusCode == HttpStatusCode.Conflict && x.Text.Contains("The slug is taken", StringComparison.Ordinal));
        });
        var page = await a.Articles.ListAsync(new EnContact.Syndication.Articles.ArticleQuery { PageSize = 100 }, None);
        Assert.Equal(6, page.Total);
        Assert.Equal(6, page.Items.Select(x => x.Slug).Distinct().Count());
    }

    [Fact]
    public async Task PlanConfirmation_RequestsRacingOnTwoGateways_SendNoMoreThanTheLimitsAllow()
    {
        using var shared = new TempDirectory();
        var connectionString = await shared.PostgresDatabaseAsync();
        await using var a = await Gateway.CreateAsync(postgresConnectionString: connectionString);
        await using var b = await Gateway.CreateAsync(postgresConnectionString: connectionString);
        SubscriberStore[] stores = [a.Services.GetRequiredService<SubscriberStore>(), b.Services.GetRequiredService<SubscriberStore>()];
        var request = new SubscriptionRequest("course@exemple.fr", "Marie", null, "formulaire");
        var daily = request with { Address = "quotidien@exemple.fr" };

        // A new address asked for twelve times at once: one confirmation, then "too soon" (2 minutes between mails).
        var resent = await TogetherAsync(12, i => stores[i % 2].PlanConfirmationAsync(request, TimeSpan.FromMinutes(2), 5, None));
        // No interval, three a day: exactly three mails, numbered 1, 2, 3.
        var capped = await TogetherAsync(12, i => stores[i % 2].PlanConfirmationAsync(daily, TimeSpan.Zero, 3, None));

        Assert.Single(resent, p => p.Mail == ConfirmationMail.Confirm);
        Assert.Single(resent.Select(p => p.SubscriberId).Distinct());
        Assert.Equal([1, 2, 3], capped.Where(p => p.Mail == ConfirmationMail.Confirm).Select(p => p.SendNumber).Order());
        Assert.Equal(3, capped.Where(p => p.Mail == ConfirmationMail.Confirm).Select(p => p.Nonce).Distinct().Count());
    }
}
