using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Composition;

/// <summary>The operator verbs, run as a real process of the built gateway in a temp working folder.</summary>
[Trait("Speed", "Slow")]
public sealed class CliTests
{
    private const string Token = GatewayProcess.Token;

    [Fact]
    public async Task Help_ListsEveryVerb()
    {
        using var work = new TempDirectory();

        var (code, output, _) = await RunAsync(work.Path, [], "--help");

        Assert.Equal(0, code);
        foreach (var verb in new[] { "serve", "migrate", "import", "articles", "config-dump" })
            Assert.Contains(verb, output);
    }

    [Fact]
    public async Task Migrate_CreatesDatabaseUnderWorkingFolder()
    {
        using var work = new TempDirectory();

        var (code, output, error) = await RunAsync(work.Path, [], "migrate");

        Assert.True(code == 0, error);
        Assert.Contains("applied 0001 articles", output);
        Assert.Contains($"is at schema version {EnContact.Syndication.Storage.Migrator.All[^1].Version:0000}", output);
        Assert.True(File.Exists(work.Combine("data", "encontact.db")));

        var (again, secondOutput, _) = await RunAsync(work.Path, [], "migrate");
        Assert.Equal(0, again);
        Assert.Contains("(0 migration(s) applied now)", secondOutput);
    }

    [Fact]
    public async Task Members_ImportWithAProblemThenList_AsAnOperatorRunsThem()
    {
        using var work = new TempDirectory();
        var csv = work.Combine("membres.csv");
        File.WriteAllText(csv, "external_id,email,name,expires_at\npw-1,lea@exemple.fr,Léa,2027-06-30\npw-2,pas-une-adresse,,\npw-3,marc@exemple.fr,,2020-01-01\n");

        var (dryCode, dry, _) = await RunAsync(work.Path, [], "members", "import", csv, "--dry-run");
        var (_, listAfterDryRun, _) = await RunAsync(work.Path, [], "members", "list");
        var (code, report, _) = await RunAsync(work.Path, [], "members", "import", csv);
        var (listCode, list, _) = await RunAsync(work.Path, [], "members", "list");

        Assert.Equal(1, dryCode);
        Assert.Contains("nothing written", dry);
        Assert.Contains("0 of 0 member(s)", listAfterDryRun);
        Assert.Equal(1, code);
        Assert.Contains("line 3, column email:", report);
        Assert.Contains("2 created", report);
        Assert.Equal(0, listCode);
        Assert.Matches(@"pw-1\s+active\s+lea@exemple\.fr", list);
        Assert.Matches(@"pw-3\s+expired\s+marc@exemple\.fr", list);
    }

    [Fact]
    public async Task Subscribers_DryRunImportCountsExportErase_AsAnOperatorRunsThem()
    {
        using var work = new TempDirectory();
        var csv = work.Combine("abonnes.csv");
        File.WriteAllText(csv, "email,name,consent_date,sections\nzoe@exemple.fr,Zoé Lefèvre,2025-03-01,études\nmauvaise-adresse,X,2025-03-01,\nluc@exemple.fr,,2025-03-02,\n");

        var (dryCode, dry, _) = await RunAsync(work.Path, [], "subscribers", "import", csv, "--dry-run", "--source", "salon CRM 2025");
        var (_, countsAfterDryRun, _) = await RunAsync(work.Path, [], "subscribers", "counts");
        var (code, report, _) = await RunAsync(work.Path, [], "subscribers", "import", csv, "--source", "salon CRM 2025");
        var (_, counts, _) = await RunAsync(work.Path, [], "subscribers", "counts");
        var (exportCode, _, _) = await RunAsync(work.Path, [], "subscribers", "export", work.Combine("export.csv"));
        var (eraseCode, erased, _) = await RunAsync(work.Path, [], "subscribers", "erase", "Zoe@Exemple.fr");
        var (_, countsAfterErase, _) = await RunAsync(work.Path, [], "subscribers", "counts");

        Assert.Equal((1, 1), (dryCode, code)); // one row rejected
        Assert.Contains("line 3: rejected: mauvaise-adresse: email: 'mauvaise-adresse' is not an e-mail address", dry);
        Assert.Contains("dry run, nothing written: 2 created, 0 activated, 0 unchanged, 1 rejected", dry);
        Assert.Contains("mailable              0", countsAfterDryRun);
        Assert.Contains("2 created", report);
        Assert.Contains("mailable              2", counts);
        Assert.Contains("  études                      2", counts);
        Assert.Contains("  analyses                    1", counts);
        Assert.Equal(0, exportCode);
        var exported = File.ReadAllLines(work.Combine("export.csv"));
        Assert.Equal(3, exported.Length);
        Assert.Contains(exported, line => line.StartsWith("zoe@exemple.fr,Zoé Lefèvre,2025-02-28T23:00:00.0000000Z,salon CRM 2025,études,active,", StringComparison.Ordinal));
        Assert.Equal(0, eraseCode);
        Assert.Contains("subscriber removed, 0 message(s) removed, 0 member(s) removed, a suppression hash kept", erased);
        Assert.DoesNotContain("zoe@exemple.fr", erased);
        Assert.Contains("mailable              1", countsAfterErase);
    }

    [Fact]
    public async Task Digest_ScheduleListPreviewAndSendTest_AsAnOperatorRunsThem()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        Directory.CreateDirectory(folder);
        var published = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        File.WriteAllText(Path.Combine(folder, "a.md"), $"---\ntitle: L’IA > le script & le reste\npublished: {published}\nsection: analyses\n---\nTexte.\n");
        File.WriteAllText(Path.Combine(folder, "b.md"), $"---\ntitle: Baromètre du nearshore\npublished: {published}\nsection: études\n---\nTexte.\n");
        File.WriteAllText(Path.Combine(folder, "abonnes.csv"), "email,consent_date,sections\nzoe@exemple.fr,2025-03-01,études\n");
        await RunAsync(work.Path, [], "import", folder);
        await RunAsync(work.Path, [], "subscribers", "import", Path.Combine(folder, "abonnes.csv"), "--source", "test");

        var (scheduleCode, schedule, _) = await RunAsync(work.Path, [], "digest", "schedule");
        var (previewCode, preview, previewError) = await RunAsync(work.Path, [], "digest", "preview", "--out", work.Combine("apercu.html"));
        var (zoeCode, zoe, _) = await RunAsync(work.Path, [], "digest", "preview", "--subscriber", "zoe@exemple.fr", "--out", work.Combine("zoe.html"));
        var (testCode, test, testError) = await RunAsync(work.Path, [], "digest", "send-test", "--to", "redaction@exemple.fr");
        var (listCode, list, _) = await RunAsync(work.Path, [], "digest", "list");

        Assert.Equal(0, scheduleCode);
        Assert.Equal(5, schedule.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("08:00 +0", schedule);
        Assert.Contains("(Europe/Paris)", schedule);
        Assert.True(previewCode == 0, previewError);
        Assert.Contains("2 article(s) shown", preview);
        Assert.Contains("L’IA &gt; le script &amp; le reste", File.ReadAllText(work.Combine("apercu.html")));
        Assert.Equal(0, zoeCode);
        Assert.Contains("1 article(s) shown", zoe);
        Assert.DoesNotContain("le script", File.ReadAllText(work.Combine("zoe.html")));
        Assert.True(testCode == 0, testError);
        Assert.Contains("sent through pickup folder", test);
        var eml = Assert.Single(Directory.GetFiles(work.Combine("outbox"), "*.eml"));
        Assert.Contains("[TEST]", MimeKit.MimeMessage.Load(eml).Subject);
        Assert.Equal(0, listCode);
        Assert.Contains("0 edition(s)", list); // previews and tests build nothing
    }

    [Fact]
    public async Task Digest_SendTestToASubscriber_CarriesTheLettersListUnsubscribeHeaders()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        Directory.CreateDirectory(folder);
        var published = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        File.WriteAllText(Path.Combine(folder, "a.md"), $"---\ntitle: Baromètre du nearshore\npublished: {published}\nsection: études\n---\nTexte.\n");
        File.WriteAllText(Path.Combine(folder, "abonnes.csv"), "email,consent_date\nzoe@exemple.fr,2025-03-01\n");
        (string, string?)[] mailbox = [("ENCONTACT__Delivery__UnsubscribeMailbox", "desinscription@en-contact.com")];
        await RunAsync(work.Path, mailbox, "import", folder);
        await RunAsync(work.Path, mailbox, "subscribers", "import", Path.Combine(folder, "abonnes.csv"), "--source", "test");

        var (code, output, error) = await RunAsync(work.Path, mailbox, "digest", "send-test", "--to", "zoe@exemple.fr");

        Assert.True(code == 0, error);
        Assert.Contains("sent through pickup folder", output);
        var copy = MimeKit.MimeMessage.Load(Assert.Single(Directory.GetFiles(work.Combine("outbox"), "*.eml")));
        Assert.StartsWith("[TEST]", copy.Subject);
        Assert.Equal("List-Unsubscribe=One-Click", copy.Headers["List-Unsubscribe-Post"]);
        Assert.Matches(@"^<https://lettre\.en-contact\.com/unsubscribe/[A-Za-z0-9_-]{67}>, <mailto:desinscription\+[a-z2-7]{44}@en-contact\.com\?subject=unsubscribe>$",
            copy.Headers["List-Unsubscribe"]);
        Assert.NotNull(copy.Headers["List-Id"]);
    }

    [Fact]
    public async Task Digest_NothingNew_PreviewAndSendTestAgree_ExitOneAndSendNothing()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        Directory.CreateDirectory(folder);
        var old = DateTimeOffset.UtcNow.AddDays(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        File.WriteAllText(Path.Combine(folder, "a.md"), $"---\ntitle: Un article ancien\npublished: {old}\nsection: analyses\n---\nTexte.\n");
        await RunAsync(work.Path, [], "import", folder);

        var (previewCode, _, previewError) = await RunAsync(work.Path, [], "digest", "preview", "--out", work.Combine("apercu.html"));
        var (testCode, _, testError) = await RunAsync(work.Path, [], "digest", "send-test", "--to", "redaction@exemple.fr");

        Assert.Equal((1, 1), (previewCode, testCode));
        Assert.Contains("nothing new since", previewError);
        Assert.Contains("nothing new since", testError);
        Assert.False(Directory.Exists(work.Combine("outbox")) && Directory.EnumerateFiles(work.Combine("outbox"), "*.eml").Any(), "nothing was sent");
    }

    [Fact]
    public async Task DigestCheck_PickupPassesWithSkips_ARelayWithoutDkimFails_AndSaysWhichKeyToSet()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        Directory.CreateDirectory(folder);
        var published = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        File.WriteAllText(Path.Combine(folder, "a.md"), $"---\ntitle: L’IA > le script & le reste\npublished: {published}\nsection: analyses\n---\nTexte.\n");
        await RunAsync(work.Path, [], "import", folder);

        var (pickupCode, pickup, pickupError) = await RunAsync(work.Path, [], "digest", "check");
        var (relayCode, relay, _) = await RunAsync(work.Path, [("ENCONTACT__Smtp__Host", "127.0.0.1")], "digest", "check");

        Assert.True(pickupCode == 0, pickup + pickupError);
        Assert.Matches(@"skipped\s+dkim-configured\s+the pickup folder keeps mail on this machine", pickup);
        Assert.Matches(@"passed\s+unsubscribe-link-html", pickup);
        Assert.Contains("every check passed", pickup);
        Assert.Equal(1, relayCode);
        Assert.Matches(@"failed\s+dkim-configured\s+no DKIM key: set Dkim:Domain, Dkim:Selector and Dkim:PrivateKey", relay);
        Assert.Contains("check(s) failed: the edition would be held", relay);
    }

    [Fact]
    public async Task ImportThenList_ReportsProblemsAndShowsArticles()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        SampleArticles.CopySampleContentTo(folder);
        File.WriteAllText(Path.Combine(folder, "casse.md"), "---\ntitle: Cassé\npublished: 2026-11-20 09:30\naccess: gold\n---\n");

        var (code, output, error) = await RunAsync(work.Path, [], "import", folder);
        var (listCode, list, _) = await RunAsync(work.Path, [], "articles", "list", "--status", "scheduled");

        Assert.Equal(1, code);
        Assert.Contains("11 files: 10 created", output);
        Assert.Contains("file:casse.md line 4: access: 'gold' is not an access level", error);
        Assert.Equal(0, listCode);
        Assert.Contains("2027-barometre-experience-client-2027", list);
        Assert.Contains("2027-01-15 08:00 +01:00", list); // Paris time
        Assert.Contains("1 of 1 article(s)", list);
    }

    [Fact]
    public async Task FeedsExport_WritesEveryFeedFileOnce()
    {
        using var work = new TempDirectory();
        var folder = work.Combine("articles");
        SampleArticles.CopySampleContentTo(folder);
        await RunAsync(work.Path, [], "import", folder);

        var (code, output, error) = await RunAsync(work.Path, [], "feeds", "export", work.Combine("out"));
        var (again, secondOutput, _) = await RunAsync(work.Path, [], "feeds", "export", work.Combine("out"));

        Assert.True(code == 0, error);
        Assert.Contains("from 8 published articles", output);
        var atom = CodeHollow.FeedReader.FeedReader.ReadFromFile(work.Combine("out", "all.atom"));
        Assert.Equal(8, atom.Items.Count);
        Assert.True(File.Exists(work.Combine("out", "sections", "indiscretions.rss")));
        Assert.True(File.Exists(work.Combine("out", "archive", "2026-10.atom")));
        Assert.Equal(0, again);
        Assert.Contains("(0 written,", secondOutput);
    }

    [Fact]
    public async Task DeliverySendTest_WithoutRelay_WritesAnEmlAndStatusShowsNothingQueued()
    {
        using var work = new TempDirectory();

        var (code, output, error) = await RunAsync(work.Path, [], "delivery", "send-test", "Operateur@En-Contact.com");
        var (bad, _, badError) = await RunAsync(work.Path, [], "delivery", "send-test", "x@y.fr\r\nBcc: z@y.fr");
        var (statusCode, status, _) = await RunAsync(work.Path, [], "delivery", "status");
        var (pauseCode, _, pauseError) = await RunAsync(work.Path, [], "delivery", "pause", "digest-2026-48");

        Assert.True(code == 0, error);
        Assert.Contains("sent through pickup folder", output);
        var file = Assert.Single(Directory.GetFiles(work.Combine("outbox"), "*.eml"));
        var message = await MimeKit.MimeMessage.LoadAsync(file);
        Assert.Equal("operateur@en-contact.com", message.To.Mailboxes.Single().Address);
        Assert.Equal(1, bad);
        Assert.Contains("address: contains a control character", badError);
        Assert.Equal(0, statusCode);
        Assert.Contains("nothing was ever queued", status);
        Assert.Equal(1, pauseCode);
        Assert.Contains("nothing was ever queued for 'digest-2026-48'", pauseError);
    }

    [Fact]
    public async Task DeliveryStatus_WhileTheGatewaySendsThroughAThrottlingRelay_ShowsThePaceOfTheRelayAndOfEachLimitedDomain()
    {
        await using var server = await TestSmtpServer.StartNewAsync();
        var settings = Delivery.DeliveryWorkerTests.Relay(server, connections: 1, retryAttempts: 0);
        settings["Smtp:MessagesPerSecond"] = "8";
        settings["Smtp:RecoveryInterval"] = "01:00:00"; // still throttled when the operator looks
        settings["Delivery:DomainLimits:free.fr:MessagesPerSecond"] = "2";
        settings["Delivery:DomainLimits:free.fr:MaxConcurrent"] = "1";
        await using var gateway = await Gateway.CreateAsync(start: true, fakeClock: false, settings: settings);
        server.Throttle(times: 1);
        await Delivery.DeliveryWorkerTests.Outbox(gateway).EnqueueAsync(Delivery.DeliveryWorkerTests.Body, Delivery.DeliveryWorkerTests.Subscribers(10), CancellationToken.None);
        await Delivery.DeliveryWorkerTests.WaitUntilSettledAsync(gateway, "digest-2026-48");

        // Another process on the same database, as an operator runs it beside the gateway.
        var (code, output, error) = await RunAsync(gateway.Root, [("ENCONTACT__Storage__DatabasePath", gateway.DatabasePath)], "delivery", "status");

        Assert.True(code == 0, error);
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains(lines, l => l.StartsWith("digest-2026-48 ", StringComparison.Ordinal) && l.Contains(" done ", StringComparison.Ordinal));
        var pace = lines.FindIndex(l => l.StartsWith("pace ", StringComparison.Ordinal));
        Assert.True(pace >= 0, output);
        Assert.Matches($@"^pace smtp 127\.0\.0\.1:{server.Port}: 4 msg/s of 8 \(throttled, recovering\) since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$", lines[pace]);
        Assert.Matches(@"^  1 throttling reply, the last at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: 454 4\.7\.0 Throttling failure: Maximum sending rate exceeded", lines[pace + 1]);
        Assert.Matches(@"^  domain free\.fr: 2 msg/s of 2, at most 1 at once since ", lines[pace + 2]);
        Assert.Equal(pace + 3, lines.Count(l => l.Length > 0)); // the pace comes last, one line per pace and throttle
    }

    [Fact]
    public async Task ConfigDump_MasksTheToken()
    {
        using var work = new TempDirectory();

        var (code, output, _) = await RunAsync(work.Path, [("ENCONTACT__Site__Title", "En-Contact (test)"), ("ENCONTACT__Smtp__Password", "smtp-secret-value")], "config-dump");

        Assert.Equal(0, code);
        Assert.DoesNotContain(Token, output);
        Assert.DoesNotContain("smtp-secret-value", output);
        Assert.Contains("\"ApiToken\": \"***\"", output);
        Assert.Contains("\"Title\": \"En-Contact (test)\"", output);
        Assert.Contains("\"TimeZone\": \"Europe/Paris\"", output);
    }

    [Theory]
    [InlineData("ENCONTACT__Ingestion__RescanInterval", "00:00:00", "Ingestion:RescanInterval")]
    [InlineData("ENCONTACT__Site__TimeZone", "Europe/Pariss", "Site:TimeZone: 'Europe/Pariss' is not a known time zone")]
    [InlineData("ENCONTACT__Site__BaseUrl", "www.en-contact.com", "Site:BaseUrl: 'www.en-contact.com' is not an absolute http(s) URL")]
    [InlineData("ENCONTACT__Ingestion__RescanEvery", "00:01:00", "RescanEvery")]
    [InlineData("ENCONTACT__Storage__BusyTimeout", "soon", "Storage:BusyTimeout")]
    [InlineData("ENCONTACT__Admin__ApiToken", "short", "Admin:ApiToken: is 5 characters long")]
    public async Task BadSetting_ExitsWith2NamingTheKey(string variable, string value, string expected)
    {
        using var work = new TempDirectory();

        var (code, _, error) = await RunAsync(work.Path, [(variable, value)], "migrate");

        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.False(File.Exists(work.Combine("data", "encontact.db")));
    }

    [Fact]
    public async Task Production_WithoutToken_RefusesToStart()
    {
        using var work = new TempDirectory();

        var (code, _, error) = await RunAsync(work.Path, [("ENCONTACT__Admin__ApiToken", null)], "serve");

        Assert.Equal(2, code);
        Assert.Contains("Admin:ApiToken: is required outside Development", error);
    }

    private static Task<(int Code, string Output, string Error)> RunAsync(string workingDirectory, (string Name, string? Value)[] environment, params string[] args) =>
        GatewayProcess.RunAsync(workingDirectory, environment, args);
    [Fact]
    public async Task Serve_OnAnAddressInUse_ExitsWithOneLineSayingSo()
    {
        using var work = new TempDirectory();
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, error) = await RunAsync(work.Path, [("ENCONTACT__Kestrel__Endpoints__Http__Url", $"http://127.0.0.1:{port}")], "serve");

        Assert.Equal(1, code);
        Assert.StartsWith("Cannot listen:", error.Trim());
        Assert.Contains("--urls", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public async Task Migrate_WithPostgresUnreachable_ExitsWithOneLineNamingTheServer()
    {
        using var work = new TempDirectory();
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        var (code, _, error) = await RunAsync(work.Path,
            [("ENCONTACT__Storage__Provider", "PostgreSql"), ("ENCONTACT__Storage__ConnectionString", $"Host=127.0.0.1;Port={port};Database=encontact;Username=gateway;Timeout=3")],
            "migrate");

        Assert.Equal(1, code);
        Assert.StartsWith($"Cannot reach the database PostgreSQL 127.0.0.1:{port}/encontact:", error.Trim());
        Assert.DoesNotContain("   at ", error);
    }
}
