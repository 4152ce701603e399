using System.CommandLine;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Delivery;

/// <summary>Operator verbs for delivery: where each edition stands, pause, resume, cancel, and a message sent now.</summary>
public static class DeliveryCommands
{
    public static Command Build(VerbRunner run)
    {
        var delivery = new Command("delivery", "Watch and steer the delivery of editions and other mail.");
        var optionalCampaign = new Argument<string?>("campaign") { Description = "An edition or purpose, e.g. digest-2026-11-30-0800 (all when omitted).", Arity = ArgumentArity.ZeroOrOne };
        var status = new Command("status", "Per edition: state, counts, failures by class, rate over its own sending time, estimated finish, why messages wait; and the relay.");
        status.Arguments.Add(optionalCampaign);
        status.SetAction((parse, ct) => run((app, token) => StatusAsync(app, parse.GetValue(optionalCampaign), token), ct));
        delivery.Subcommands.Add(status);

        foreach (var (verb, state, reason, description) in new[]
                 {
                     ("pause", CampaignState.Paused, "paused by the operator", "Stop sending an edition (messages stay queued)."),
                     ("resume", CampaignState.Active, (string?)null, "Resume a paused edition (its recent failure ratio is judged again from the first failure)."),
                     ("cancel", CampaignState.Cancelled, "cancelled by the operator", "Cancel an edition: queued messages are dropped, sent ones stay sent."),
                 })
        {
            var campaign = new Argument<string>("campaign") { Description = "The edition or purpose, e.g. digest-2026-11-30-0800." };
            var command = new Command(verb, description);
            command.Arguments.Add(campaign);
            command.SetAction((parse, ct) => run((app, token) => SetStateAsync(app, parse.GetValue(campaign)!, state, reason, token), ct));
            delivery.Subcommands.Add(command);
        }

        var address = new Argument<string>("address") { Description = "Where to send the test message." };
        var test = new Command("send-test", "Send one test message now through the configured relay (or pickup folder) and print the reply.");
        test.Arguments.Add(address);
        test.SetAction((parse, ct) => run((app, token) => SendTestAsync(app, parse.GetValue(address)!, token), ct));
        delivery.Subcommands.Add(test);
        return delivery;
    }

    private static async Task<int> StatusAsync(WebApplication app, string? campaign, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var progress = await app.Services.GetRequiredService<CampaignControl>().ProgressAsync(campaign, cancellationToken);
        if (progress.Count == 0)
        {
            Console.WriteLine(campaign is null ? "nothing was ever queued" : $"nothing was ever queued for '{campaign}'");
            return campaign is null ? 0 : 1;
        }
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        Console.WriteLine($"{"EDITION",-28} {"STATE",-10} {"TOTAL",8} {"SENT",8} {"FAILED",7} {"SUPPR.",7} {"PENDING",8} {"MSG/S",7}  FINISH (UTC)");
        foreach (var p in progress)
        {
            Console.WriteLine($"{p.Campaign,-28} {EnumText.Of(p.State),-10} {p.Total,8} {p.Sent,8} {p.Failed,7} {p.Suppressed,7} {p.Pending + p.Sending,8} {p.MessagesPerSecond,7:0.##}  {p.EstimatedFinish?.ToString("u") ?? "-"}");
            if (p.Reason is not null)
                Console.WriteLine($"  {p.Reason}");
            if (p.FailedByClass.Count > 0)
                Console.WriteLine($"  failed by class:{DeliveryWorker.ClassesText(p).TrimStart()}");
            if (p.Bounced > 0)
                Console.WriteLine($"  {p.Bounced} of the failed bounced back after the relay accepted them");
            foreach (var line in WaitingLines(p.Waiting))
                Console.WriteLine($"  {line}");
        }
        foreach (var (relay, updated) in await app.Services.GetRequiredService<RelayStatusStore>().ListAsync(cancellationToken))
        {
            Console.WriteLine($"relay {relay.Relay}: {EnumText.Of(relay.State)} since {relay.StateSince:u} (reported {(now - updated).TotalSeconds:0} s ago)");
            if (relay.LastReply is not null)
                Console.WriteLine($"  last reply at {relay.LastReplyAt:u}: {relay.LastReply}");
            if (relay.LastFailure is not null)
                Console.WriteLine($"  last failure at {relay.LastFailureAt:u}: {app.Services.GetRequiredService<PersonalData>().Redact(relay.LastFailure)}");
        }
        foreach (var line in PaceLines(await app.Services.GetRequiredService<PaceStatusStore>().ListAsync(cancellationToken), app.Services.GetRequiredService<PersonalData>()))
            Console.WriteLine(line);
        return 0;
    }

    /// <summary>The relay's pace and each domain's: rate, ceiling, since when, the last throttling reply.</summary>
    public static IEnumerable<string> PaceLines(IReadOnlyList<PaceStatus> paces, PersonalData personalData)
    {
        foreach (var pace in paces)
        {
            var who = pace.Domain is null ? $"pace {pace.Relay}" : $"  domain {pace.Domain}";
            var rate = pace.MessagesPerSecond is { } r ? $"{r:0.##} msg/s" : "no limit";
            var ceiling = pace.Ceiling is { } c ? $" of {c:0.##}{(pace.MessagesPerSecond < c ? " (throttled, recovering)" : "")}" : "";
            var cap = pace.MaxConcurrent > 0 ? $", at most {pace.MaxConcurrent} at once" : "";
            yield return $"{who}: {rate}{ceiling}{cap} since {pace.Since:u}";
            if (pace.LastThrottle is not null)
                yield return $"{(pace.Domain is null ? "  " : "    ")}{pace.Throttles} throttling repl{(pace.Throttles == 1 ? "y" : "ies")}, the last at {pace.LastThrottleAt:u}: {personalData.Redact(pace.LastThrottle)}";
        }
    }

    /// <summary>Why the queued messages wait, in words an operator can act on.</summary>
    public static IEnumerable<string> WaitingLines(MessagesWaiting waiting)
    {
        if (waiting.DueNow > 0)
            yield return $"{waiting.DueNow} due now, waiting for a sender";
        if (waiting.RetryLater > 0)
            yield return $"{waiting.RetryLater} to retry later (the relay said \"later\" or the connection broke), the next at {waiting.NextRetryAt:u}";
        if (waiting.Claimed > 0)
            yield return $"{waiting.Claimed} being sent (claimed until {waiting.ClaimsExpireAt:u})";
        if (waiting.ClaimExpired > 0)
            yield return $"{waiting.ClaimExpired} claimed by a sender that stopped; any sender takes them now";
    }

    private static async Task<int> SetStateAsync(WebApplication app, string campaign, CampaignState state, string? reason, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var control = app.Services.GetRequiredService<CampaignControl>();
        if ((await control.ProgressAsync(campaign, cancellationToken)).Count == 0)
        {
            Console.Error.WriteLine($"nothing was ever queued for '{campaign}'");
            return 1;
        }
        await control.SetStateAsync(campaign, state, reason, cancellationToken);
        return await StatusAsync(app, campaign, cancellationToken);
    }

    private static async Task<int> SendTestAsync(WebApplication app, string address, CancellationToken cancellationToken)
    {
        if (!MailInput.TryNormalizeAddress("address", address, out var normalized, out var error))
        {
            Console.Error.WriteLine(error);
            return 1;
        }
        return await SendNowAsync(app, DeliveryTestMessage.Body, new OutboxRequest { Campaign = "send-test", Kind = MailKind.Transactional, RecipientAddress = normalized }, cancellationToken);
    }

    /// <summary>Composes and sends one message at once through the configured sender (not the outbox) and prints the relay's reply.</summary>
    public static async Task<int> SendNowAsync(WebApplication app, MessageBody body, OutboxRequest request, CancellationToken cancellationToken)
    {
        var delivery = app.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        var message = app.Services.GetRequiredService<MessageComposer>().Compose(OutboxItem.Unqueued(body, request, delivery.MessageIdDomain));
        var sender = app.Services.GetRequiredService<IMailSender>();
        try
        {
            var receipt = await sender.SendAsync(message, app.Services.GetRequiredService<ReturnPath>().EnvelopeSenderFor(message.MessageId ?? ""), cancellationToken);
            Console.WriteLine($"sent through {sender.Description}: {receipt.Reply}");
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var verdict = SmtpFailureClassifier.Judge(e);
            Console.Error.WriteLine($"not sent through {sender.Description} ({verdict.Kind}{(verdict.Class == BounceClass.None ? "" : ", " + FailureClassText.Of(verdict.Class))}): {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
