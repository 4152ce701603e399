using EnContact.Syndication.Storage;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Polly;
using Polly.Retry;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Reads the bounce mailbox: every message of the folder goes to the registered
/// <see cref="IBounceMailHandler"/>, then moves to the processed folder (understood) or the review
/// folder (not understood, the handler failed, or too big to fetch). Nothing is ever deleted.
/// <para>
/// Messages leave the folder once handled, a batch at a time (up to 200, one move per destination), so
/// each is handled once; a process that dies between the handler and the batch's move leaves them in
/// the folder, and the handler sees them again on the next start (the handler's contract: handling a
/// message twice changes nothing more).
/// </para>
/// With several gateway processes on one database, one reads (the database's leadership); the
/// others stand by and take over when it stops. A broken connection is made again, with an
/// exponential back-off, for as long as the gateway runs.
/// </summary>
public sealed class BounceMailboxWorker(
    Database database,
    BounceMailboxHealth health,
    IOptions<BounceMailboxOptions> options,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger<BounceMailboxWorker> logger) : BackgroundService
{
    /// <summary>The role one gateway process at a time holds.</summary>
    public const string Role = "bounce-mailbox";

    /// <summary>How often a process standing by tries to take the lead, and a leader checks it still holds it.</summary>
    public static readonly TimeSpan LeadCheckInterval = LeadershipLoop.CheckInterval;

    /// <summary>First wait before connecting again; doubles each failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromMinutes(5);

    /// <summary>Cancelled only when the host's shutdown time is up: until then the message in hand is finished.</summary>
    private readonly CancellationTokenSource _forcedStop = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.IsEnabled)
            return;
        if (services.GetService<IServiceProviderIsService>()?.IsService(typeof(IBounceMailHandler)) != true)
        {
            logger.LogWarning("Bounces:Imap:Host is set, but nothing in this gateway understands bounce mail (no IBounceMailHandler is registered): the bounce mailbox is not read");
            health.NoHandler();
            return;
        }

        await new LeadershipLoop(database, time, logger, new LeadRole(Role, "reads the bounce mailbox")).RunAsync(
            token => ReadAsync(settings, token),
            problem => health.Unreachable(problem, LeadCheckInterval),
            health.StandingBy,
            () => { },
            stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var forced = cancellationToken.Register(() => _forcedStop.Cancel());
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _forcedStop.Dispose();
        base.Dispose();
    }

    private async Task ReadAsync(BounceMailboxOptions settings, CancellationToken cancellationToken)
    {
        var sessionLogger = loggers.CreateLogger<BounceMailboxSession>();
        await using var session = new BounceMailboxSession(settings, HandleAsync, health, time, sessionLogger);
        var pipeline = BuildPipeline(settings);
        while (!cancellationToken.IsCancellationRequested)
        {
            // One round: (re)connect if needed, file what is there, wait for more. A failure anywhere
            // drops the connection and the round starts again after the back-off; a round that
            // completes resets the back-off.
            await pipeline.ExecuteAsync(async token =>
            {
                if (!session.IsReady)
                    await session.OpenAsync(token);
                try
                {
                    await session.FileAllAsync(token, _forcedStop.Token);
                }
                finally
                {
                    await CaughtUpAsync();
                }
                await session.WaitForMailAsync(token, _forcedStop.Token);
            }, cancellationToken);
        }
        health.WaitingFor(null);
    }

    /// <summary>The handler is resolved per message, in a scope of its own, whatever lifetime it was registered with.</summary>
    private async Task<BounceMailVerdict> HandleAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IBounceMailHandler>().HandleAsync(message, cancellationToken);
    }

    /// <summary>
    /// The end of a pass (or of what a broken connection or a stop left of it): the handler finishes its
    /// batch. Its failure is not the mailbox's: logged, and the handler tries again after the next pass.
    /// </summary>
    private async Task CaughtUpAsync()
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IBounceMailHandler>().CaughtUpAsync(_forcedStop.Token);
        }
        catch (Exception e) when (!_forcedStop.IsCancellationRequested)
        {
            logger.LogWarning(e, "Bounce mailbox: the handler could not finish the batch of the last pass ({Error}); it tries again after the next one", e.Message);
        }
    }

    private ResiliencePipeline BuildPipeline(BounceMailboxOptions settings)
    {
        // No jitter: only one process reads the mailbox, so there is no crowd to spread out.
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = ReconnectDelay,
                MaxDelay = MaxReconnectDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && e is not OperationCanceledException),
                OnRetry = args =>
                {
                    var e = args.Outcome.Exception!;
                    var reason = Describe(e, settings);
                    if (e is AuthenticationException or ImapCertificateRefusedException)
                        logger.LogError("Bounce mailbox {User} at {Host}:{Port}: {Reason}; trying again in {Delay}", settings.User, settings.Host, settings.Port, reason, args.RetryDelay);
                    else
                        logger.LogWarning(e, "Bounce mailbox {User} at {Host}:{Port}: {Reason}; connecting again in {Delay} (attempt {Attempt})",
                            settings.User, settings.Host, settings.Port, reason, args.RetryDelay, args.AttemptNumber + 1);
                    health.Unreachable(reason, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .WithTelemetry("bounce-mailbox", loggers)
            .Build();
    }

    /// <summary>What went wrong, in words an operator can act on (no host, no login: it goes to <c>/healthz</c>).</summary>
    internal static string Describe(Exception e, BounceMailboxOptions settings) => e switch
    {
        AuthenticationException => $"the server refused the login: check Bounces:Imap:User and the password (ENCONTACT__Bounces__Imap__Password) ({e.Message})",
        ImapCertificateRefusedException => e.Message,
        SslHandshakeException => $"the TLS handshake failed (Bounces:Imap:Security is {settings.Security}): {e.Message}",
        System.Net.Sockets.SocketException s => $"cannot connect: {s.Message}",
        FolderNotFoundException => $"the folder '{settings.Folder}' does not exist (Bounces:Imap:Folder)",
        ImapCommandException c => $"the server answered {c.Response}: {c.ResponseText}",
        ImapProtocolException or IOException or ServiceNotConnectedException => $"the connection broke: {e.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
