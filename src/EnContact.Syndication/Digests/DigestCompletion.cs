using System.Data.Common;
using EnContact.Syndication.Delivery;

namespace EnContact.Syndication.Digests;

/// <summary>
/// Ends an edition when its last message settles: <c>sent</c>, <c>sent-with-failures</c> (with the
/// counts) or <c>cancelled</c>. Delivery tells it as soon as the outbox runs dry of the edition; the
/// scheduler's tick asks again for any edition still sending (a crash between the two loses nothing).
/// A message that bounces after its edition finished is counted again there: failed, not sent.
/// </summary>
public sealed class DigestCompletion(DigestStore store, CampaignControl campaigns, ILogger<DigestCompletion> logger) : ICampaignListener
{
    public Task CampaignSettledAsync(CampaignProgress progress, CancellationToken cancellationToken) =>
        DigestCampaign.KeyOf(progress.Campaign) is { } key ? FinishAsync(key, progress, cancellationToken) : Task.CompletedTask;

    public Task<bool> MessageBouncedAsync(string campaign, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        DigestCampaign.KeyOf(campaign) is { } key ? store.CountLateBounceAsync(connection, transaction, key, cancellationToken) : Task.FromResult(false);

    public async Task BounceCommittedAsync(string campaign, CancellationToken cancellationToken)
    {
        if (DigestCampaign.KeyOf(campaign) is not { } key)
            return;
        await store.AnnounceChangeAsync(cancellationToken);
        logger.LogInformation("Edition {Key}: a message the relay had accepted bounced after the edition finished; it now counts as failed", key);
    }

    /// <summary>Finishes every edition still sending whose messages have all settled.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        foreach (var edition in await store.WithStatusAsync(EditionStatus.Sending, cancellationToken))
        {
            if ((await campaigns.ProgressAsync(edition.Campaign, cancellationToken)).FirstOrDefault() is { } progress)
            {
                if (progress.Pending + progress.Sending == 0)
                    await FinishAsync(edition.Key, progress, cancellationToken);
            }
            else
                await FinishAsync(edition.Key, null, cancellationToken); // nothing was queued for it
        }
    }

    private async Task FinishAsync(string key, CampaignProgress? progress, CancellationToken cancellationToken)
    {
        var counts = new DeliveryCounts(progress?.Sent ?? 0, progress?.Failed ?? 0, progress?.Suppressed ?? 0, progress?.Cancelled ?? 0, progress?.Bounced ?? 0);
        var status = progress?.State == CampaignPhase.Cancelled ? EditionStatus.Cancelled
            : counts.Failed > 0 ? EditionStatus.SentWithFailures
            : EditionStatus.Sent;
        if (await store.FinishAsync(key, status, counts, cancellationToken))
            logger.LogInformation("Edition {Key} {Status}: {Sent} sent, {Failed} failed{Classes}, {Suppressed} suppressed, {Cancelled} cancelled",
                key, EnumText.Of(status), counts.Sent, counts.Failed, progress is null ? "" : DeliveryWorker.ClassesText(progress), counts.Suppressed, counts.Cancelled);
    }
}
