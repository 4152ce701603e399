using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// What the bounce mailbox's reader hands each message it fetched to: delivery status notifications,
/// complaint reports, mailed unsubscribe requests, auto-replies. The handler applies what the message
/// says (once: handling the same message twice changes nothing more) and says whether it understood
/// it; the reader files the message accordingly and never deletes it.
/// </summary>
public interface IBounceMailHandler
{
    Task<BounceMailVerdict> HandleAsync(MimeMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Called by the reader after each pass over the folder (and when it stops): what the handler
    /// leaves for the end of a batch rather than doing per message is done now. A handler that leaves
    /// work for it keeps that work itself, so it must be registered as a singleton.
    /// </summary>
    Task CaughtUpAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// The handler's answer. <see cref="Understood"/>: acted on, or recognised as needing nothing (an
/// auto-reply), filed with the processed mail. Otherwise filed for a person to look at, with
/// <see cref="Summary"/> saying why.
/// </summary>
public sealed record BounceMailVerdict(bool Understood, string Summary)
{
    public static BounceMailVerdict Done(string summary) => new(true, summary);

    public static BounceMailVerdict ForReview(string reason) => new(false, reason);
}
