using System.Diagnostics;
using System.Threading.RateLimiting;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Sends through the SMTP relay over a pool of reused connections. One Polly pipeline, built once and
/// shared by every caller, wraps each attempt (rent a connection → connect if needed → send → give it
/// back): retry of transient failures, each retry on a reconnected client when the failure broke the
/// connection; a circuit breaker that pauses every sender while the relay is down; a rate limiter
/// over all connections. Permanent refusals (5xx, authentication) go straight back to the caller.
/// </summary>
public sealed class SmtpMailSender : IMailSender, IAsyncDisposable
{
    /// <summary>Longest wait between two immediate retries (unless RetryDelay itself is longer): after that the outbox takes over.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>UTF-8 headers and SMTPUTF8 (RFC 6531/6532), for messages with a non-ASCII address.</summary>
    private static readonly FormatOptions InternationalFormat = CreateInternationalFormat();

    private readonly ILogger<SmtpMailSender> _logger;
    private readonly RelayHealth _health;
    private readonly SmtpConnectionPool _pool;
    private readonly SendingPace _pace;
    private readonly ResiliencePipeline _pipeline;
    private readonly DeliveryMetrics? _metrics;
    private int _disposed;

    public SmtpMailSender(IOptions<SmtpOptions> options, TimeProvider time, ILogger<SmtpMailSender> logger, RelayHealth? health = null,
        ILoggerFactory? loggers = null, DeliveryMetrics? metrics = null, SendingPace? pace = null)
    {
        var settings = options.Value;
        _logger = logger;
        _metrics = metrics;
        _health = health ?? new RelayHealth(time);
        _pool = new SmtpConnectionPool(settings);
        _pace = pace ?? new SendingPace(options, Options.Create(new DeliveryOptions()), time);
        _pipeline = BuildPipeline(settings, time, loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Description = $"smtp {settings.Host}:{settings.Port} ({settings.Connections} connections)";
        _health.Describe($"smtp {settings.Host}:{settings.Port}");
        _pace.Describe($"smtp {settings.Host}:{settings.Port}");
    }

    public string Description { get; }

    /// <summary>The rate limiter's counters (queued sends, permits left); null while the pace has no limit.</summary>
    internal RateLimiterStatistics? RateLimiterStatistics => _pace.RelayLimiterStatistics;

    /// <summary>
    /// Returns the relay's 250 reply to the message ("250 2.0.0 Ok: queued as …"). Throws the last
    /// failure otherwise (<see cref="SmtpFailureClassifier"/> says what it means), including
    /// <see cref="BrokenCircuitException"/> while the relay is considered down; a caller's
    /// cancellation comes back as <see cref="OperationCanceledException"/>, never retried.
    /// </summary>
    public Task<SendReceipt> SendAsync(MimeMessage message, CancellationToken cancellationToken) => SendAsync(message, null, cancellationToken);

    /// <inheritdoc cref="SendAsync(MimeMessage, CancellationToken)"/>
    public async Task<SendReceipt> SendAsync(MimeMessage message, MailboxAddress? envelopeSender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var format = NeedsSmtpUtf8(message) || envelopeSender?.IsInternational == true ? InternationalFormat : FormatOptions.Default;
        using var activity = DeliveryMetrics.Activities.StartActivity("smtp send", ActivityKind.Client);
        var started = Stopwatch.GetTimestamp(); // the machine's clock: how long the relay really took
        string reply;
        try
        {
            reply = await _pipeline.ExecuteAsync(
                static (state, ct) => state.Sender.SendOnceAsync(state.Message, state.Envelope, state.Format, ct),
                (Sender: this, Message: message, Envelope: envelopeSender, Format: format),
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (_pace.Throttled(e, RecipientDomain(message)) is { } throttle)
                _metrics?.Throttled(throttle.Domain is null ? "relay" : "domain");
            _metrics?.SmtpSent(Stopwatch.GetElapsedTime(started), ok: false);
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            _health.Failed($"{e.GetType().Name}: {e.Message}");
            throw;
        }
        _pace.Sent(RecipientDomain(message));
        _metrics?.SmtpSent(Stopwatch.GetElapsedTime(started), ok: true);
        // MailKit returns only the reply's text, and only for a 250.
        _health.Replied($"250 {reply}");
        return new SendReceipt($"250 {reply}");
    }

    /// <summary>Says QUIT on each open connection (briefly: a silent relay is just closed); queued sends are rejected.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _pace.Dispose();
        await _pool.DisposeAsync();
    }

    /// <summary>One attempt: the only code the pipeline wraps.</summary>
    private async ValueTask<string> SendOnceAsync(MimeMessage message, MailboxAddress? envelopeSender, FormatOptions format, CancellationToken cancellationToken)
    {
        var connection = await _pool.RentAsync(cancellationToken);
        var reusable = false;
        try
        {
            await connection.EnsureConnectedAsync(cancellationToken);
            var reply = envelopeSender is null
                ? await connection.Client.SendAsync(format, message, cancellationToken)
                : await connection.Client.SendAsync(format, message, envelopeSender, RecipientsOf(message), cancellationToken);
            reusable = true;
            return reply;
        }
        catch (SmtpCommandException e) when (connection.Client.IsConnected && SmtpFailureClassifier.LeavesConnectionUsable(e))
        {
            // The relay refused this transaction and MailKit reset it (RSET): the connection is fine.
            reusable = true;
            throw;
        }
        finally
        {
            // Anything else (I/O error, timeout, 421, protocol error, cancellation mid-command) leaves the
            // client disconnected or in an unknown state: the research shows that retrying on it loses
            // mail, so the slot gets a new client and the retry reconnects.
            _pool.Return(connection, reusable);
        }
    }

    private ResiliencePipeline BuildPipeline(SmtpOptions settings, TimeProvider time, ILoggerFactory loggers)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.RetryAttempts > 0) // Polly wants at least one retry; 0 means "leave it to the outbox"
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                MaxDelay = settings.RetryDelay > MaxRetryDelay ? settings.RetryDelay : MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ShouldRetry(e)),
                OnRetry = args =>
                {
                    _logger.LogWarning("SMTP attempt failed ({Error}: {Reason}); retry {Attempt} of {Retries} in {Delay}",
                        args.Outcome.Exception?.GetType().Name, args.Outcome.Exception?.Message,
                        args.AttemptNumber + 1, settings.RetryAttempts, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = settings.BreakerFailureRatio,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = settings.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && CountsAgainstRelay(e)),
            OnOpened = args =>
            {
                _logger.LogWarning("The SMTP relay keeps failing ({Reason}); every SMTP send pauses for {BreakDuration}",
                    args.Outcome.Exception?.Message, args.BreakDuration);
                _health.BreakerOpened();
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                _health.BreakerHalfOpened();
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                _logger.LogInformation("The SMTP relay answers again; sending resumes");
                _health.BreakerClosed();
                return ValueTask.CompletedTask;
            },
        });
        builder.AddRateLimiter(new RateLimiterStrategyOptions { RateLimiter = args => _pace.AcquireAsync(args.Context.CancellationToken) });
        return builder.WithTelemetry("smtp", loggers).Build();
    }

    // Immediate retries are for a broken connection only: a recipient's 4xx goes back to the outbox
    // with its own delay instead of idling the connection; retrying an open circuit would only wait out the retries.
    // A relay that throttles is not retried at once either: the message waits for the slower pace.
    private bool ShouldRetry(Exception e) =>
        Volatile.Read(ref _disposed) == 0 && e is not BrokenCircuitException && SmtpFailureClassifier.IsConnectionFault(e) && !SmtpFailureClassifier.IsThrottling(e);

    // Only failures that say the relay is unwell open the circuit: a 4xx or 550 to one recipient or a
    // bad password do not, nor our own rate limiter turning a call away.
    // A throttling 421 says the relay is well and busy: the pace answers it, not the breaker.
    private static bool CountsAgainstRelay(Exception e) =>
        e is not RateLimiterRejectedException && SmtpFailureClassifier.IsConnectionFault(e) && !SmtpFailureClassifier.IsThrottling(e);

    private static string? RecipientDomain(MimeMessage message) =>
        message.To.Mailboxes.FirstOrDefault() is { } to ? SmtpFailureClassifier.DomainOf(to.Address) : null;

    /// <summary>Who MailKit would send to by itself (To, Cc, Bcc), for the overload that takes an envelope sender.</summary>
    private static List<MailboxAddress> RecipientsOf(MimeMessage message) =>
        [.. message.To.Mailboxes, .. message.Cc.Mailboxes, .. message.Bcc.Mailboxes];

    private static bool NeedsSmtpUtf8(MimeMessage message) =>
        message.Sender?.IsInternational == true
        || new[] { message.From, message.ReplyTo, message.To, message.Cc, message.Bcc }
            .Any(list => list.Mailboxes.Any(address => address.IsInternational));

    private static FormatOptions CreateInternationalFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.International = true;
        return format;
    }
}
