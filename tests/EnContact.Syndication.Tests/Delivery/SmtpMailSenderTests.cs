using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Tests.Fixtures;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Polly.CircuitBreaker;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>
/// The SMTP sender against a real SMTP server on loopback with injected faults. Retries use
/// RetryDelay 0 (no timer at all) unless the test is about waiting; the circuit breaker and the rate
/// limiter run on a FakeTimeProvider, so time only moves when the test says so.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class SmtpMailSenderTests : IAsyncLifetime
{
    private const string Reader = "lecteur@example.com";
    private readonly TempDirectory _folder = new();
    private readonly List<SmtpMailSender> _senders = [];
    private TestSmtpServer _server = null!;

    public async Task InitializeAsync() => _server = await TestSmtpServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        foreach (var sender in _senders)
            await sender.DisposeAsync();
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task SendAsync_ManyMessagesOverFewConnections_DeliversAllOverAtMostThatManyConnections()
    {
        var sender = CreateSender(o => o.Connections = 3);
        var messages = Enumerable.Range(0, 60).Select(_ => Message()).ToArray();

        // 12 callers at once, each sending 5 messages one after the other.
        var receipts = (await Task.WhenAll(messages.Chunk(5).Select(async chunk =>
        {
            var replies = new List<SendReceipt>();
            foreach (var message in chunk)
                replies.Add(await sender.SendAsync(message, CancellationToken.None));
            return replies;
        }))).SelectMany(r => r).ToArray();

        Assert.All(receipts, receipt => Assert.StartsWith("250 ", receipt.Reply));
        Assert.Equal(messages.Select(m => m.MessageId).Order(), _server.Messages.Select(m => m.Message.MessageId).Order());
        Assert.InRange(_server.SessionCount, 1, 3);
        Assert.InRange(_server.Messages.Select(m => m.SessionId).Distinct().Count(), 1, 3);
    }

    [Fact]
    public async Task SendAsync_RecipientDeferredWith451_ThrowsAtOnceForTheOutbox_ConnectionGoesOnToTheNext()
    {
        var sender = CreateSender(o => { o.Connections = 1; o.RetryAttempts = 3; });
        _server.RejectRecipient(Reader, 451, times: 2);

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));
        await sender.SendAsync(Message("autre@example.com"), CancellationToken.None);

        Assert.Equal(FailureKind.Deferred, SmtpFailureClassifier.Classify(failure));
        Assert.Equal(1, _server.RecipientAttempts(Reader)); // no retry inside the call: the outbox retries it later
        Assert.Single(_server.Messages);
        Assert.Equal(1, _server.SessionCount); // MailKit reset the transaction; the connection carried the next message
    }

    [Fact]
    public async Task SendAsync_Many451AtRcpt_LeaveTheCircuitClosed()
    {
        var sender = CreateSender(o => o.RetryAttempts = 0, new FakeTimeProvider());
        _server.RejectRecipient(Reader, 451);

        for (var i = 0; i < 15; i++)
            await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));
        await sender.SendAsync(Message("autre@example.com"), CancellationToken.None);

        Assert.Single(_server.Messages);
    }

    [Fact]
    public async Task SendAsync_RecipientRejectedWith550_ThrowsRecipientRejectedWithoutRetry()
    {
        var sender = CreateSender(o => { o.RetryAttempts = 3; o.Connections = 1; });
        _server.RejectRecipient("parti@example.com", 550);

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message("parti@example.com"), CancellationToken.None));

        Assert.Equal((FailureKind.Permanent, BounceClass.Mailbox), (SmtpFailureClassifier.Judge(failure).Kind, SmtpFailureClassifier.Judge(failure).Class));
        Assert.Equal(1, _server.RecipientAttempts("parti@example.com"));
        Assert.Empty(_server.Messages);
        await sender.SendAsync(Message(), CancellationToken.None);
        Assert.Equal(1, _server.SessionCount); // the refusal did not cost the connection
    }

    [Fact]
    public async Task SendAsync_421AfterData_ReconnectsAndDelivers()
    {
        var sender = CreateSender(o => o.Connections = 1);
        _server.FailAfterData(421);

        var receipt = await sender.SendAsync(Message(), CancellationToken.None);

        Assert.StartsWith("250 ", receipt.Reply);
        Assert.Single(_server.Messages);
        Assert.Equal(2, _server.SessionCount);
    }

    [Fact]
    public async Task SendAsync_452AfterData_ThrowsDeferredWithoutRetry_ConnectionKept()
    {
        var sender = CreateSender(o => { o.Connections = 1; o.RetryAttempts = 3; });
        _server.FailAfterData(452);

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));
        await sender.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(FailureKind.Deferred, SmtpFailureClassifier.Classify(failure));
        Assert.Single(_server.Messages);
        Assert.Equal(1, _server.SessionCount);
    }

    [Fact]
    public async Task SendAsync_554AfterData_ThrowsMessageRejectedWithoutRetry()
    {
        var sender = CreateSender(o => o.RetryAttempts = 3);
        _server.FailAfterData(554, times: 1); // a retry would have gone through

        var failure = await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));

        Assert.Equal((FailureKind.Permanent, BounceClass.Content), (SmtpFailureClassifier.Judge(failure).Kind, SmtpFailureClassifier.Judge(failure).Class));
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedDuringData_ReconnectsAndDeliversOnce()
    {
        var sender = CreateSender(o => o.Connections = 1);
        _server.DropConnectionDuringData();

        var receipt = await sender.SendAsync(Message(), CancellationToken.None);

        Assert.StartsWith("250 ", receipt.Reply);
        Assert.Single(_server.Messages);
        Assert.Equal(2, _server.SessionCount);
    }

    [Fact]
    public async Task SendAsync_ReplySlowerThanTimeout_RetriesOnNewConnectionAndDuplicateKeepsMessageId()
    {
        // Below the settings' 1 s minimum to keep the test short; options are not validated here.
        var sender = CreateSender(o => o.Timeout = TimeSpan.FromMilliseconds(300));
        _server.AnswerSlowly(TimeSpan.FromSeconds(1));
        var message = Message();

        var receipt = await sender.SendAsync(message, CancellationToken.None);

        // The relay kept the slow copy although the client gave up on it: the research's duplicate,
        // recognisable by its unchanged Message-ID.
        await _server.WaitForMessagesAsync(2);
        Assert.StartsWith("250 ", receipt.Reply);
        Assert.All(_server.Messages, m => Assert.Equal(message.MessageId, m.Message.MessageId));
        Assert.True(_server.Messages.Select(m => m.SessionId).Distinct().Count() >= 2, "the retry reconnected");
    }

    [Fact]
    public async Task SendAsync_RelayDownAtStart_DeliversOnceItIsBack()
    {
        await _server.StopAsync();
        var log = new WarningSignal();
        // Real time here: the retries must wait for the relay; 10 ms doubling gives it seconds.
        var sender = CreateSender(o => { o.RetryAttempts = 10; o.RetryDelay = TimeSpan.FromMilliseconds(10); }, TimeProvider.System, log);

        var sending = sender.SendAsync(Message(), CancellationToken.None);
        await log.FirstWarning.WaitAsync(TimeSpan.FromSeconds(30)); // an attempt was refused; a retry is scheduled
        await _server.StartAsync();
        var receipt = await sending;

        Assert.StartsWith("250 ", receipt.Reply);
        Assert.Single(_server.Messages);
        Assert.Equal(1, _server.SessionCount);
    }

    [Fact]
    public async Task SendAsync_RelayRestartsBetweenMessages_ReconnectsAndDeliversBoth()
    {
        var log = new WarningSignal();
        var sender = CreateSender(o => { o.Connections = 1; o.RetryAttempts = 10; o.RetryDelay = TimeSpan.FromMilliseconds(10); }, TimeProvider.System, log);
        await sender.SendAsync(Message(), CancellationToken.None);
        await _server.StopAsync(); // closes the pooled connection too

        var sending = sender.SendAsync(Message(), CancellationToken.None);
        await log.FirstWarning.WaitAsync(TimeSpan.FromSeconds(30));
        await _server.StartAsync();
        await sending;

        Assert.Equal(2, _server.Messages.Count);
        Assert.Equal(2, _server.Messages.Select(m => m.SessionId).Distinct().Count());
    }

    [Fact]
    public async Task SendAsync_RelayKeepsFailing_OpensCircuitRejectsFastThenProbesAndRecovers()
    {
        var clock = new FakeTimeProvider();
        var sender = CreateSender(o => { o.RetryAttempts = 0; o.BreakDuration = TimeSpan.FromSeconds(30); }, clock);
        _server.FailAfterData(421, times: 10); // the relay closing on us: its own trouble, not one recipient's
        for (var i = 0; i < 10; i++) // minimum throughput 10, all failed
            await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));

        var rejected = await Assert.ThrowsAsync<BrokenCircuitException>(() => sender.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(FailureKind.Transient, SmtpFailureClassifier.Classify(rejected));
        Assert.Equal(10, _server.RecipientAttempts(Reader)); // the relay never saw the rejected call
        clock.Advance(TimeSpan.FromSeconds(30));
        var receipt = await sender.SendAsync(Message(), CancellationToken.None); // the probe, and the relay is fine again
        Assert.StartsWith("250 ", receipt.Reply);
        await sender.SendAsync(Message(), CancellationToken.None); // closed again
        Assert.Equal(2, _server.Messages.Count);
    }

    [Fact]
    public async Task SendAsync_CircuitOpensDuringRetries_StopsRetryingAtOnce()
    {
        var log = new WarningSignal();
        var sender = CreateSender(o => { o.RetryAttempts = 2; o.Connections = 1; }, new FakeTimeProvider(), log);
        _server.FailAfterData(421, times: 100);
        for (var i = 0; i < 3; i++) // 3 attempts each: 9 failures, the circuit is still closed
            await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message(), CancellationToken.None));

        // The 10th failure opens it; the retry after it meets the open circuit and gives up there.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => sender.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(10, _server.RecipientAttempts(Reader));
        Assert.Equal(3 * 2 + 1, log.Retries);
    }

    [Fact]
    public async Task SendAsync_RepeatedPermanentRefusals_LeaveTheCircuitClosed()
    {
        var sender = CreateSender(o => o.RetryAttempts = 0, new FakeTimeProvider());
        _server.RejectRecipient("parti@example.com", 550);

        for (var i = 0; i < 15; i++)
            await Assert.ThrowsAsync<SmtpCommandException>(() => sender.SendAsync(Message("parti@example.com"), CancellationToken.None));
        await sender.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(15, _server.RecipientAttempts("parti@example.com"));
        Assert.Single(_server.Messages);
    }

    [Fact]
    public async Task SendAsync_RateLimited_SendsAtMostTheLimitEachSecondAndQueuesTheRest()
    {
        var clock = new FakeTimeProvider();
        var sender = CreateSender(o => { o.MessagesPerSecond = 3; o.Connections = 4; }, clock);

        var sends = Enumerable.Range(0, 7).Select(_ => sender.SendAsync(Message(), CancellationToken.None)).ToArray();

        await _server.WaitForMessagesAsync(3);
        Assert.Equal(4, sender.RateLimiterStatistics!.CurrentQueuedCount); // waiting, not rejected
        Assert.Equal(3, _server.Messages.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        await _server.WaitForMessagesAsync(6);
        Assert.Equal(1, sender.RateLimiterStatistics!.CurrentQueuedCount);
        Assert.Equal(6, _server.Messages.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        var receipts = await Task.WhenAll(sends);
        Assert.All(receipts, receipt => Assert.StartsWith("250 ", receipt.Reply));
        Assert.Equal(7, _server.Messages.Count);
    }

    [Fact]
    public async Task SendAsync_ProtocolLogPathSet_WritesEachConnectionsDialogue()
    {
        var configured = _folder.Combine("logs", "smtp.log");
        var sender = CreateSender(o => { o.Connections = 1; o.ProtocolLogPath = configured; });

        await sender.SendAsync(Message(), CancellationToken.None);
        await sender.DisposeAsync();

        var log = await File.ReadAllTextAsync(_folder.Combine("logs", "smtp.1.log"));
        Assert.Contains("C: MAIL FROM:<newsletter@en-contact.com>", log);
        Assert.Contains($"C: RCPT TO:<{Reader}>", log);
        Assert.Contains("S: 250", log);
        Assert.Contains("C: QUIT", log);
    }

    [Fact]
    public async Task SendAsync_InternationalAddress_UsesSmtpUtf8AndUtf8Headers()
    {
        var sender = CreateSender();

        await sender.SendAsync(Message("josé@exemple.fr"), CancellationToken.None);
        await sender.SendAsync(Message(), CancellationToken.None);

        var international = _server.Messages.Single(m => m.To.Single() == "josé@exemple.fr");
        Assert.True(international.MailParameters.ContainsKey("SMTPUTF8"));
        Assert.Equal("josé@exemple.fr", international.Message.To.Mailboxes.Single().Address);
        var rawTo = international.Message.Headers.First(h => h.Id == HeaderId.To).RawValue;
        Assert.Contains("Chloé", Encoding.UTF8.GetString(rawTo)); // raw UTF-8 (RFC 6532), not =?utf-8?…?=
        var ascii = _server.Messages.Single(m => m.To.Single() == Reader);
        Assert.False(ascii.MailParameters.ContainsKey("SMTPUTF8"));
    }

    [Fact]
    public async Task SendAsync_RelayRequiresLogin_AuthenticatesOncePerConnection()
    {
        await using var relay = await TestSmtpServer.StartNewAsync(("gateway", "s3cret"));
        var sender = CreateSender(o => { o.Port = relay.Port; o.Connections = 1; o.Username = "gateway"; o.Password = "s3cret"; });

        await sender.SendAsync(Message(), CancellationToken.None);
        await sender.SendAsync(Message(), CancellationToken.None);

        Assert.Equal(2, relay.Messages.Count);
        Assert.Equal(1, relay.LoginAttempts);
    }

    [Fact]
    public async Task SendAsync_WrongPassword_ThrowsConfigurationFailureWithoutRetry()
    {
        await using var relay = await TestSmtpServer.StartNewAsync(("gateway", "s3cret"));
        var sender = CreateSender(o => { o.Port = relay.Port; o.RetryAttempts = 3; o.Username = "gateway"; o.Password = "wrong"; });

        var failure = await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => sender.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(FailureKind.Configuration, SmtpFailureClassifier.Classify(failure));
        Assert.Equal(2, relay.LoginAttempts); // MailKit tries PLAIN, then LOGIN; a retry would add two more
        Assert.Empty(relay.Messages);
    }

    [Fact]
    public async Task SendAsync_NoLoginWhereRelayRequiresOne_ThrowsConfigurationFailure()
    {
        await using var relay = await TestSmtpServer.StartNewAsync(("gateway", "s3cret"));
        var sender = CreateSender(o => o.Port = relay.Port);

        var failure = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => sender.SendAsync(Message(), CancellationToken.None));

        Assert.Equal(FailureKind.Configuration, SmtpFailureClassifier.Classify(failure));
        Assert.Empty(relay.Messages);
    }

    [Fact]
    public async Task SendAsync_CallerAlreadyCancelled_ThrowsWithoutConnectingAndKeepsTheSlot()
    {
        var sender = CreateSender(o => o.Connections = 1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.SendAsync(Message(), new CancellationToken(canceled: true)));

        Assert.Equal(0, _server.SessionCount);
        await sender.SendAsync(Message(), CancellationToken.None); // the only slot is free
        Assert.Single(_server.Messages);
    }

    [Fact]
    public async Task DisposeAsync_OpenConnections_SaysQuitOnEachAndRefusesFurtherSends()
    {
        var sender = CreateSender(o => o.Connections = 2);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => sender.SendAsync(Message(), CancellationToken.None)));

        await sender.DisposeAsync();

        Assert.InRange(_server.SessionCount, 1, 2);
        Assert.Equal(_server.SessionCount, _server.QuitCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => sender.SendAsync(Message(), CancellationToken.None));
    }

    [Fact]
    public void Description_Always_NamesRelayAndConnections()
    {
        var sender = CreateSender(o => o.Connections = 4);

        Assert.Equal($"smtp 127.0.0.1:{_server.Port} (4 connections)", sender.Description);
    }

    [Fact]
    public async Task SendAsync_SignedLetters_ArriveWithSignaturesThatVerify()
    {
        var sender = CreateSender();
        using var composer = new MessageComposer(Options.Create(new DeliveryOptions()),
            Options.Create(new DkimOptions { Domain = TestDkim.Domain, Selector = TestDkim.Selector, PrivateKey = TestDkim.PrivateKeyPem }),
            new HostEnvironment(), new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)));
        // Lines that SMTP must dot-stuff, long lines, accents, whitespace runs: the relay must receive what was hashed.
        var body = new MessageBody("La lettre n° 48 : l’été", ".\n. point\nBonjour {{prenom}},   voici " + new string('é', 300) + "\n{{unsubscribe_url}}\n",
            "<p>.</p>\n.<p>Bonjour {{prenom}}</p>\t\n<a href=\"{{unsubscribe_url}}\">Se désinscrire</a>");
        var readers = Enumerable.Range(0, 20).Select(i => new OutboxItem
        {
            MessageKey = $"k{i}", Campaign = "digest-2026-48", Kind = MailKind.Bulk, Recipient = $"lecteur{i}@example.com", RecipientName = $"Lecteur {i}",
            Body = body, MessageId = $"{i:x32}@en-contact.com", Attempts = 1, UnsubscribeUrl = $"https://lettre.en-contact.com/d?token={i}",
            Variables = new Dictionary<string, string> { ["prenom"] = $"Zoé  n° {i}", ["unsubscribe_url"] = $"https://lettre.en-contact.com/d?token={i}" },
        }).ToList();

        foreach (var reader in readers)
        {
            using var message = composer.Compose(reader);
            await sender.SendAsync(message, CancellationToken.None);
        }

        Assert.Equal(readers.Count, _server.Messages.Count);
        var verifier = composer.SigningKey!.Verifier();
        foreach (var received in _server.Messages.Select(m => m.Message))
        {
            Assert.True(await verifier.VerifyAsync(received, received.Headers.Single(h => h.Id == HeaderId.DkimSignature)), received.MessageId);
            var i = int.Parse(received.MessageId![..32], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(MessageComposer.Fill(body.TextBody, readers[i].Variables, html: false), received.TextBody!.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public async Task SendAsync_SignedLetterToAnInternationalAddress_ArrivesWithASignatureThatVerifies()
    {
        var sender = CreateSender();
        using var composer = new MessageComposer(Options.Create(new DeliveryOptions()),
            Options.Create(new DkimOptions { Domain = TestDkim.Domain, Selector = TestDkim.Selector, PrivateKey = TestDkim.PrivateKeyPem }),
            new HostEnvironment(), new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)));
        var item = new OutboxItem
        {
            MessageKey = "k", Campaign = "digest-2026-48", Kind = MailKind.Bulk, Recipient = "zoé@exemple.fr", RecipientName = "Zoé Lecteur",
            Body = new MessageBody("La lettre n° 48 : l’été", "Bonjour {{prenom}}", "<p>Bonjour {{prenom}}</p>"), MessageId = $"{1:x32}@en-contact.com", Attempts = 1,
            UnsubscribeUrl = "https://lettre.en-contact.com/d?token=1", Variables = new Dictionary<string, string> { ["prenom"] = "Zoé" },
        };

        using (var message = composer.Compose(item))
            await sender.SendAsync(message, CancellationToken.None);

        var received = Assert.Single(_server.Messages);
        Assert.True(received.MailParameters.ContainsKey("SMTPUTF8"));
        Assert.True(await composer.SigningKey!.Verifier().VerifyAsync(received.Message, received.Message.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
    }

    private sealed class HostEnvironment : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }

    private SmtpMailSender CreateSender(Action<SmtpOptions>? configure = null, TimeProvider? time = null, ILogger<SmtpMailSender>? logger = null)
    {
        var options = new SmtpOptions
        {
            Host = _server.Host,
            Port = _server.Port,
            Security = SmtpSecurity.None,
            Connections = 2,
            RetryAttempts = 3,
            RetryDelay = TimeSpan.Zero,
            Timeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        var sender = new SmtpMailSender(Options.Create(options), time ?? new FakeTimeProvider(), logger ?? NullLogger<SmtpMailSender>.Instance);
        _senders.Add(sender);
        return sender;
    }

    private static MimeMessage Message(string to = Reader)
    {
        var message = new MimeMessage
        {
            Subject = "La lettre d’En-Contact",
            MessageId = $"{Guid.NewGuid():N}@en-contact.com",
            Body = new TextPart("plain") { Text = "Bonjour, voici la lettre de la semaine." },
        };
        message.From.Add(new MailboxAddress("En-Contact", "newsletter@en-contact.com"));
        message.To.Add(new MailboxAddress("Chloé", to));
        return message;
    }

    /// <summary>Listens to the sender's log: its first warning (a retry or the circuit opening) is a signal, not a timer.</summary>
    private sealed class WarningSignal : ILogger<SmtpMailSender>
    {
        private readonly TaskCompletionSource _firstWarning = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _retries;

        public Task FirstWarning => _firstWarning.Task;

        /// <summary>Retries the sender announced.</summary>
        public int Retries => Volatile.Read(ref _retries);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
                _firstWarning.TrySetResult();
            if (formatter(state, exception).StartsWith("SMTP attempt failed", StringComparison.Ordinal))
                Interlocked.Increment(ref _retries);
        }
    }
}
