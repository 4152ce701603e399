using System.Diagnostics.Metrics;

namespace EnContact.Syndication.Subscribers;

/// <summary>The subscription flows' instrument (meter <see cref="MeterName"/>): what became of each request, confirmation and unsubscription.</summary>
public sealed class SubscriberMetrics
{
    public const string MeterName = "EnContact.Syndication.Subscribers";

    /// <summary>The outcomes, as the <c>outcome</c> label spells them.</summary>
    public const string ConfirmationQueued = "confirmation-queued", AlreadySubscribed = "already-subscribed", NotMailed = "not-mailed",
        Throttled = "throttled", Confirmed = "confirmed", Unsubscribed = "unsubscribed";

    private readonly Counter<long> _subscriptions;

    public SubscriberMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _subscriptions = meter.CreateCounter<long>("encontact.subscribers.subscriptions", "{event}",
            "Subscription events by outcome: a valid request answered with a confirmation mail (confirmation-queued), a reminder to a subscriber " +
            "(already-subscribed), no mail because one went out too recently or the day's were used (not-mailed), over the per-address limit " +
            "(throttled); a confirmation (confirmed); an unsubscription (unsubscribed).");
    }

    public void Record(string outcome) => _subscriptions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
