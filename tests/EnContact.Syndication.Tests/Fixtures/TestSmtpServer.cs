using System.Buffers;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Relay = SmtpServer.SmtpServer;
using RelayReply = SmtpServer.Protocol.SmtpResponse; // not MailKit's SmtpResponse
using RelayServices = SmtpServer.ComponentModel.ServiceProvider;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>A message the server accepted: the parsed MIME message and its envelope.</summary>
public sealed record ReceivedMessage(
    MimeMessage Message,
    string From,
    IReadOnlyList<string> To,
    IReadOnlyDictionary<string, string> MailParameters,
    Guid SessionId);

/// <summary>One RCPT TO the server saw: when (by its clock), for whom, and whether it was answered with a throttling reply.</summary>
public sealed record RecipientAttempt(DateTimeOffset At, string Address, bool Throttled);

/// <summary>
/// A real SMTP server (the SmtpServer package) on 127.0.0.1, in-process, recording what it accepts,
/// with faults to inject: throttle for a stretch of messages, refuse a recipient, fail or drop after DATA, answer slowly, go down and
/// come back on the same port. Tests wait on its signals, never on a timer.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    /// <summary>Guards every wait so that a broken test fails instead of hanging.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private const string CloseAfterReplyKey = "test:close-after-reply";

    private readonly Lock _lock = new();
    private readonly List<ReceivedMessage> _messages = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly Dictionary<string, int> _recipientAttempts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RecipientFault> _recipientFaults = [];
    private readonly List<Throttling> _throttles = [];
    private readonly List<RecipientAttempt> _attempts = [];
    private readonly Queue<DataFault> _dataFaults = new();
    private readonly (string User, string Password)? _login;
    private (Relay Server, Task Running)? _current;
    private int _sessions;
    private int _quits;
    private int _logins;

    private TestSmtpServer((string User, string Password)? login) => _login = login;

    public string Host => "127.0.0.1";

    /// <summary>The port, kept across <see cref="StopAsync"/>/<see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Connections accepted so far (one SMTP session each).</summary>
    public int SessionCount => Volatile.Read(ref _sessions);

    /// <summary>QUIT commands received so far (polite disconnections).</summary>
    public int QuitCount => Volatile.Read(ref _quits);

    /// <summary>AUTH attempts so far, right or wrong (only with a required login).</summary>
    public int LoginAttempts => Volatile.Read(ref _logins);

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_lock)
                return [.. _messages];
        }
    }

    /// <summary>Gateway settings that send through this server, with short delays so that tests settle quickly.</summary>
    public Dictionary<string, string?> GatewaySettings(int connections = 2, int retryAttempts = 3) => new()
    {
        ["Smtp:Host"] = Host,
        ["Smtp:Port"] = Port.ToString(),
        ["Smtp:Security"] = "None",
        ["Smtp:Connections"] = connections.ToString(),
        ["Smtp:RetryAttempts"] = retryAttempts.ToString(),
        ["Smtp:RetryDelay"] = "00:00:00.010",
        ["Smtp:Timeout"] = "00:00:10",
        ["Smtp:BreakDuration"] = "00:00:01",
        ["Delivery:PollInterval"] = "00:00:00.050",
        ["Delivery:RetryDelay"] = "00:00:00.050",
        ["Delivery:LeaseDuration"] = "00:00:05",
        ["Delivery:UnsubscribeMailbox"] = "desinscription@en-contact.com",
        // Mail through a relay is signed, as in production: editions are held unless their letter verifies.
        ["Dkim:Domain"] = TestDkim.Domain,
        ["Dkim:Selector"] = TestDkim.Selector,
        ["Dkim:PrivateKey"] = TestDkim.PrivateKeyPem,
    };

    /// <summary>Starts a server on a free loopback port; with a login, it requires AUTH (over plain text) before MAIL FROM.</summary>
    public static async Task<TestSmtpServer> StartNewAsync((string User, string Password)? login = null)
    {
        var server = new TestSmtpServer(login);
        await server.StartAsync();
        return server;
    }

    /// <summary>RCPT TO commands seen for this address, accepted or not.</summary>
    public int RecipientAttempts(string address)
    {
        lock (_lock)
            return _recipientAttempts.GetValueOrDefault(address);
    }

    /// <summary>The clock RCPT attempts are stamped with (the gateway's fake clock); the machine's by default.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Every RCPT TO seen, in order, with the <see cref="Clock"/>'s time and whether it was throttled.</summary>
    public IReadOnlyList<RecipientAttempt> Attempts
    {
        get
        {
            lock (_lock)
                return [.. _attempts];
        }
    }

    /// <summary>
    /// Answers the next <paramref name="times"/> RCPT TO (to <paramref name="domain"/> only, when given) with a
    /// throttling reply, then relents: SES's "454 Throttling failure" by default.
    /// </summary>
    public void Throttle(int times, string? domain = null, int code = 454, string reply = "4.7.0 Throttling failure: Maximum sending rate exceeded")
    {
        lock (_lock)
            _throttles.Add(new Throttling(domain, code, reply) { Remaining = times });
    }

    /// <summary>Completes once at least <paramref name="count"/> messages were accepted.</summary>
    public Task WaitForMessagesAsync(int count)
    {
        lock (_lock)
        {
            if (_messages.Count >= count)
                return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(WaitLimit);
        }
    }

    /// <summary>
    /// Answers RCPT TO for <paramref name="address"/> with <paramref name="code"/> (451: try later; 550: unknown)
    /// the next <paramref name="times"/> times; <paramref name="reply"/> replaces the text (e.g. "5.7.1 blocked").
    /// </summary>
    public void RejectRecipient(string address, int code, int times = int.MaxValue, string? reply = null)
    {
        lock (_lock)
            _recipientFaults.Add(new RecipientFault(address, code, times, reply));
    }

    /// <summary>Answers the next <paramref name="times"/> messages with <paramref name="code"/> after their body (421 also closes the connection).</summary>
    public void FailAfterData(int code, int times = 1) => AddDataFault(new DataFault(code, null, times));

    /// <summary>Closes the connection once the next message's body has arrived, without a reply: the client sent everything and hears nothing.</summary>
    public void DropConnectionDuringData(int times = 1) => AddDataFault(new DataFault(null, null, times));

    /// <summary>Holds the reply to the next message for <paramref name="delay"/>, then accepts it (even if the client gave up).</summary>
    public void AnswerSlowly(TimeSpan delay, int times = 1) => AddDataFault(new DataFault(null, delay, times));

    /// <summary>
    /// Keeps the next message in flight: its body has arrived, its reply waits until <paramref name="release"/>
    /// completes, then it is accepted and recorded (even if its sender is gone by then). The task gives
    /// its recipients as soon as it has arrived (<c>Arrived</c>), and completes again once it is
    /// recorded (<c>Recorded</c>).
    /// </summary>
    public (Task<IReadOnlyList<string>> Arrived, Task Recorded) HoldNext(Task release)
    {
        var fault = new DataFault(null, null, 1) { Release = release };
        AddDataFault(fault);
        return (fault.Arrived.Task.WaitAsync(WaitLimit), fault.Recorded.Task.WaitAsync(WaitLimit));
    }

    /// <summary>Listens again on the same port (first call: on a free one).</summary>
    public async Task StartAsync()
    {
        if (_current is not null)
            return;
        var listeners = new EndpointListenerFactory();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        listeners.EndpointStarted += (_, e) => listening.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

        var options = new SmtpServerOptionsBuilder()
            .ServerName("test-relay")
            .Endpoint(endpoint => endpoint
                .Endpoint(new IPEndPoint(IPAddress.Loopback, Port))
                .AuthenticationRequired(_login is not null)
                .AllowUnsecureAuthentication(_login is not null))
            .MaxRetryCount(1000) // injected refusals must not make the server hang up on its own
            .Build();
        var services = new RelayServices();
        services.Add(listeners);
        services.Add(new RecordingStore(this));
        services.Add(new FaultyMailboxFilter(this));
        if (_login is { } login)
            services.Add(new DelegatingUserAuthenticator((user, password) =>
            {
                Interlocked.Increment(ref _logins);
                return user == login.User && password == login.Password;
            }));
        var server = new Relay(options, services);
        server.SessionCreated += OnSessionCreated;

        var running = server.StartAsync(CancellationToken.None);
        if (await Task.WhenAny(listening.Task, running).WaitAsync(WaitLimit) == running)
            await running; // it ended before listening: surfaces the error (e.g. the port was taken meanwhile)
        Port = await listening.Task;
        _current = (server, running);
    }

    /// <summary>Stops listening and ends every open session (clients see the connection close), like a relay going down.</summary>
    public async Task StopAsync()
    {
        if (_current is not { } current)
            return;
        _current = null;
        current.Server.Shutdown();
        await current.Running.WaitAsync(WaitLimit);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void OnSessionCreated(object? sender, SessionEventArgs e)
    {
        Interlocked.Increment(ref _sessions);
        e.Context.CommandExecuting += (_, command) =>
        {
            if (command.Command is QuitCommand)
                Interlocked.Increment(ref _quits);
        };
        // A relay that answers 421 closes the connection after saying so.
        e.Context.CommandExecuted += (_, command) =>
        {
            if (command.Command is DataCommand && command.Context.Properties.Remove(CloseAfterReplyKey))
                command.Context.Pipe.Dispose();
        };
    }

    private void AddDataFault(DataFault fault)
    {
        lock (_lock)
            _dataFaults.Enqueue(fault);
    }

    private DataFault? TakeDataFault()
    {
        lock (_lock)
        {
            if (!_dataFaults.TryPeek(out var fault))
                return null;
            if (--fault.Remaining == 0)
                _dataFaults.Dequeue();
            return fault;
        }
    }

    private RecipientFault? TakeRecipientFault(string address)
    {
        lock (_lock)
        {
            _recipientAttempts[address] = _recipientAttempts.GetValueOrDefault(address) + 1;
            var throttle = _throttles.FirstOrDefault(t => t.Remaining > 0 && (t.Domain is null || address.EndsWith("@" + t.Domain, StringComparison.OrdinalIgnoreCase)));
            _attempts.Add(new RecipientAttempt(Clock.GetUtcNow(), address, throttle is not null));
            if (throttle is not null)
            {
                throttle.Remaining--;
                return new RecipientFault(address, throttle.Code, 1, throttle.Reply);
            }
            var fault = _recipientFaults.FirstOrDefault(f => f.Remaining > 0 && string.Equals(f.Address, address, StringComparison.OrdinalIgnoreCase));
            if (fault is null)
                return null;
            fault.Remaining--;
            return fault;
        }
    }

    private void Record(ReceivedMessage message)
    {
        List<TaskCompletionSource> ready;
        lock (_lock)
        {
            _messages.Add(message);
            ready = [.. _waiters.Where(w => w.Count <= _messages.Count).Select(w => w.Signal)];
            _waiters.RemoveAll(w => w.Count <= _messages.Count);
        }
        foreach (var signal in ready)
            signal.TrySetResult();
    }

    private static RelayReply Reply(int code) => new((SmtpReplyCode)code, code switch
    {
        421 => "4.3.2 service shutting down, closing transmission channel",
        451 => "4.3.0 try again later",
        452 => "4.3.1 insufficient system storage",
        550 => "5.1.1 user unknown",
        554 => "5.6.0 transaction failed",
        _ => code < 500 ? "4.0.0 temporary failure" : "5.0.0 permanent failure",
    });

    private sealed record Throttling(string? Domain, int Code, string Reply)
    {
        public int Remaining { get; set; }
    }

    private sealed class RecipientFault(string address, int code, int times, string? reply)
    {
        public string Address { get; } = address;
        public int Code { get; } = code;
        public string? Reply { get; } = reply;
        public int Remaining { get; set; } = times;
    }

    /// <summary>Code: reply with it. A release: hold until it completes, then accept. No code and no delay: drop. Delay: wait, then accept.</summary>
    private sealed class DataFault(int? code, TimeSpan? delay, int times)
    {
        public int? Code { get; } = code;
        public TimeSpan? Delay { get; } = delay;
        public int Remaining { get; set; } = times;

        /// <summary>Set for a held message: the reply waits for it.</summary>
        public Task? Release { get; init; }

        public TaskCompletionSource<IReadOnlyList<string>> Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class FaultyMailboxFilter(TestSmtpServer owner) : MailboxFilter
    {
        public override Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            if (owner.TakeRecipientFault(to.AsAddress()) is { } fault)
                // The session writes this reply to RCPT; like Postfix, a refusal names the address.
                throw new SmtpResponseException(fault.Reply is { } text ? new RelayReply((SmtpReplyCode)fault.Code, text)
                    : fault.Code >= 500 ? new RelayReply((SmtpReplyCode)fault.Code, $"5.1.1 <{to.AsAddress()}>: Recipient address rejected: User unknown")
                    : Reply(fault.Code));
            return Task.FromResult(true);
        }
    }

    private sealed class RecordingStore(TestSmtpServer owner) : MessageStore
    {
        public override async Task<RelayReply> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var bytes = buffer.ToArray(); // the session's buffer may be gone after a wait
            var fault = owner.TakeDataFault();
            switch (fault)
            {
                case { Release: { } release } held:
                    held.Arrived.TrySetResult([.. transaction.To.Select(to => to.AsAddress())]);
                    await release;
                    // The session may be over (its client killed): the message is recorded all the same.
                    cancellationToken = CancellationToken.None;
                    break;
                case { Code: { } code }:
                    if (code == 421)
                        context.Properties[CloseAfterReplyKey] = true;
                    return Reply(code);
                case { Delay: { } delay }:
                    await Task.Delay(delay, CancellationToken.None); // the client's timeout fires meanwhile
                    break;
                case { }:
                    context.Pipe.Dispose(); // closes the socket: the client never hears back
                    return RelayReply.TransactionFailed;
            }
            using var stream = new MemoryStream(bytes);
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            owner.Record(new ReceivedMessage(
                message,
                transaction.From.AsAddress(),
                [.. transaction.To.Select(to => to.AsAddress())],
                new Dictionary<string, string>(transaction.Parameters, StringComparer.OrdinalIgnoreCase),
                context.SessionId));
            fault?.Recorded.TrySetResult();
            return RelayReply.Ok;
        }
    }
}
