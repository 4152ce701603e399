using EnContact.Syndication.Storage;
using MimeKit;

namespace EnContact.Syndication.Delivery;

public static class DeliverySetup
{
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddSectionOptions<DeliveryOptions>(DeliveryOptions.Section, DeliveryRules);
        services.AddSectionOptions<SmtpOptions>(SmtpOptions.Section, SmtpRules);
        services.AddSingleton<Microsoft.Extensions.Options.IPostConfigureOptions<SmtpOptions>, ResolveProtocolLogPath>();
        services.AddSectionOptions<DkimOptions>(DkimOptions.Section, DkimRules);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<IChangeSubscriber, OutboxChanges>();
        services.AddSingleton<CampaignControl>();
        services.AddSingleton<MessageHistory>();
        services.AddSingleton<SuppressionList>();
        services.AddSingleton<RelayHealth>();
        services.AddSingleton<RelayStatusStore>();
        services.AddSingleton<SendingPace>();
        services.AddSingleton<PaceStatusStore>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<MessageComposer>();
        services.AddSingleton<ReturnPath>();
        // No relay configured: .eml files in the pickup folder, so the gateway works on a fresh machine.
        services.AddSingleton<IMailSender>(sp =>
            string.IsNullOrWhiteSpace(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SmtpOptions>>().Value.Host)
                ? ActivatorUtilities.CreateInstance<PickupFolderSender>(sp)
                : ActivatorUtilities.CreateInstance<SmtpMailSender>(sp));
        services.AddHostedService<DeliveryWorker>();
        return services;
    }

    private sealed class ResolveProtocolLogPath(IHostEnvironment environment) : Microsoft.Extensions.Options.IPostConfigureOptions<SmtpOptions>
    {
        public void PostConfigure(string? name, SmtpOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.ProtocolLogPath))
                options.ProtocolLogPath = Path.GetFullPath(options.ProtocolLogPath, environment.ContentRootPath);
        }
    }

    private static IEnumerable<string> DeliveryRules(DeliveryOptions delivery)
    {
        if (!MailboxAddress.TryParse(delivery.From, out var from) || !MailInput.TryNormalizeAddress("From", from.Address, out _, out _))
            yield return $"From: '{delivery.From}' is not an address such as \"En-Contact <newsletter@en-contact.com>\"";
        if (MailInput.CheckHeaderText("ListId", delivery.ListId, 500) is { } listId)
            yield return listId;
        else if (!delivery.ListId.TrimEnd().EndsWith('>') || !delivery.ListId.Contains('<'))
            yield return $"ListId: '{delivery.ListId}' must end with the list's identifier in angle brackets, e.g. \"La lettre <lettre.en-contact.com>\"";
        if (Uri.CheckHostName(delivery.MessageIdDomain) != UriHostNameType.Dns)
            yield return $"MessageIdDomain: '{delivery.MessageIdDomain}' is not a domain name";
        if (!string.IsNullOrWhiteSpace(delivery.UnsubscribeMailbox))
        {
            if (!MailInput.TryNormalizeAddress("UnsubscribeMailbox", delivery.UnsubscribeMailbox, out var unsubscribe, out var error))
                yield return error;
            else if (TaggedAddress.Problem("UnsubscribeMailbox", unsubscribe, UnsubscribeTokenLength) is { } unsubscribeProblem)
                yield return unsubscribeProblem;
        }
        foreach (var problem in ReturnPath.Problems(delivery).Concat(SendingPace.DomainLimitProblems(delivery.DomainLimits)))
            yield return problem;
    }

    /// <summary>Characters of the reader's token in the unsubscribe mailbox's address (see <see cref="MessageComposer.UnsubscribeTokenVariable"/>).</summary>
    public const int UnsubscribeTokenLength = 44;

    private static IEnumerable<string> SmtpRules(SmtpOptions smtp)
    {
        if (!string.IsNullOrWhiteSpace(smtp.Host) && Uri.CheckHostName(smtp.Host) == UriHostNameType.Unknown)
            yield return $"Host: '{smtp.Host}' is not a host name or address";
        if (!string.IsNullOrWhiteSpace(smtp.Username) && string.IsNullOrEmpty(smtp.Password))
            yield return "Password: is required when Smtp:Username is set (ENCONTACT__Smtp__Password)";
    }

    private static IEnumerable<string> DkimRules(DkimOptions dkim)
    {
        if (dkim.HasEd25519)
        {
            if (!dkim.IsEnabled)
                yield return "Ed25519PrivateKey: an ed25519-sha256 signature only comes second: set the RSA key too (Dkim:PrivateKey or Dkim:PrivateKeyPath), which every receiver checks";
            if (string.IsNullOrWhiteSpace(dkim.Ed25519Selector))
                yield return "Ed25519Selector: is required when an Ed25519 key is configured (its public key is published under its own selector)";
            if (string.IsNullOrWhiteSpace(dkim.Ed25519PrivateKey) && !File.Exists(dkim.Ed25519PrivateKeyPath))
                yield return $"Ed25519PrivateKeyPath: '{dkim.Ed25519PrivateKeyPath}' does not exist";
            else if (DkimKeyProblem(string.IsNullOrWhiteSpace(dkim.Ed25519PrivateKey) ? File.ReadAllText(dkim.Ed25519PrivateKeyPath!) : dkim.Ed25519PrivateKey, ed25519: true) is { } edProblem)
                yield return $"{(string.IsNullOrWhiteSpace(dkim.Ed25519PrivateKey) ? "Ed25519PrivateKeyPath" : "Ed25519PrivateKey")}: {edProblem}";
        }
        if (!dkim.IsEnabled)
            yield break;
        if (string.IsNullOrWhiteSpace(dkim.Domain))
            yield return "Domain: is required when a DKIM key is configured";
        if (string.IsNullOrWhiteSpace(dkim.Selector))
            yield return "Selector: is required when a DKIM key is configured";
        if (string.IsNullOrWhiteSpace(dkim.PrivateKey) && !File.Exists(dkim.PrivateKeyPath))
        {
            yield return $"PrivateKeyPath: '{dkim.PrivateKeyPath}' does not exist";
            yield break;
        }
        // Checked at start, not at the first letter: an Ed25519 or broken key would otherwise stop every edition later.
        if (DkimKeyProblem(string.IsNullOrWhiteSpace(dkim.PrivateKey) ? File.ReadAllText(dkim.PrivateKeyPath!) : dkim.PrivateKey, ed25519: false) is { } problem)
            yield return $"{(string.IsNullOrWhiteSpace(dkim.PrivateKey) ? "PrivateKeyPath" : "PrivateKey")}: {problem}";
    }

    private static string? DkimKeyProblem(string pem, bool ed25519)
    {
        try
        {
            (ed25519 ? DkimSigning.Ed25519(pem, "d", "s") : new DkimSigning(pem, "d", "s")).Dispose();
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }
}
