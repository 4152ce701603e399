using System.Data.Common;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Told when an edition's last message has settled (sent, failed, suppressed or cancelled), so the
/// edition can say it is finished; and when a message the relay had accepted bounces afterwards, so
/// that what the edition counts follows its messages.
/// </summary>
public interface ICampaignListener
{
    Task CampaignSettledAsync(CampaignProgress progress, CancellationToken cancellationToken);

    /// <summary>
    /// A message of <paramref name="campaign"/> that the relay had accepted is now failed: a report came
    /// back. Called inside the transaction that marks the message, so that whatever the listener counts
    /// moves with it exactly once (the same report again, or a crash before the report is recorded, marks
    /// nothing twice). True when it changed something, to be announced by <see cref="BounceCommittedAsync"/>.
    /// </summary>
    Task<bool> MessageBouncedAsync(string campaign, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>The transaction in which <see cref="MessageBouncedAsync"/> changed something has committed: time to tell whoever watches.</summary>
    Task BounceCommittedAsync(string campaign, CancellationToken cancellationToken);
}
