using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

/// <summary>
/// With <see cref="DeskOptions.AnnounceWaitingEdition"/>, mails every staff member when an edition
/// starts waiting for approval. Once per edition and person whatever restarts or how many gateway
/// processes run: the outbox keeps one message per campaign (<c>desk-waiting-{key}</c>) and address.
/// </summary>
public sealed class WaitingEditionAnnouncer(
    DigestStore editions, StaffStore staff, OutboxStore outbox, SubscriberLinks links, IOptions<DeskOptions> options, IOptions<SiteOptions> site,
    ILogger<WaitingEditionAnnouncer> logger) : BackgroundService
{
    public static string CampaignOf(string key) => "desk-waiting-" + key;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.AnnounceWaitingEdition)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var seen = editions.Changes.Version;
            try
            {
                await AnnounceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not announce the waiting edition to the staff; trying again at the next change of editions");
            }
            await editions.Changes.WaitForChangeAsync(seen, stoppingToken);
        }
    }

    /// <summary>Queues the announcement of every waiting edition to every staff member (the outbox ignores what it already has).</summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        var waiting = await editions.WithStatusAsync(EditionStatus.AwaitingApproval, cancellationToken);
        if (waiting.Count == 0)
            return;
        var members = await staff.ListAsync(cancellationToken);
        foreach (var edition in waiting)
        {
            var deskUrl = links.Absolute("admin");
            var subject = $"La lettre n° {edition.Number} attend votre validation";
            var text = $"La lettre n° {edition.Number} d’{site.Value.Title} ({edition.ItemCount} articles) est prête et attend votre validation.\n\n" +
                $"Relisez-la, puis approuvez, reconstruisez ou rejetez-la :\n{deskUrl}\n";
            var html = $"<p>La lettre n° {edition.Number} d’{HtmlText.Encode(site.Value.Title)} ({edition.ItemCount} articles) est prête et attend votre validation.</p>" +
                $"<p><a href=\"{HtmlText.Encode(deskUrl)}\">La relire et l’approuver</a></p>";
            var requests = members.Select(m => new OutboxRequest { Campaign = CampaignOf(edition.Key), Kind = MailKind.Transactional, RecipientAddress = m.Email, RecipientName = m.Name }).ToList();
            if (requests.Count > 0 && await outbox.EnqueueAsync(new MessageBody(subject, text, html), requests, cancellationToken) is var queued and > 0)
                logger.LogInformation("Edition {Key} waits for approval: announced to {Count} staff member(s)", edition.Key, queued);
        }
    }
}
