using EnContact.Syndication.Subscribers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// Admin endpoint for what came back about one subscriber, beside the subscriber's own
/// (<c>GET /api/subscribers/{id}</c>): the same list the desk shows under the subscriber.
/// </summary>
public static class BouncesApi
{
    /// <summary>Reports listed at most, newest first.</summary>
    public const int HistoryLength = 200;

    public sealed record BounceHistory(string SubscriberId, string? Suppression, IReadOnlyList<BounceEvent> Items);

    public static RouteGroupBuilder MapBouncesApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/subscribers/{id}/bounces", SubscriberHistory);
        return admin;
    }

    private static async Task<Results<Ok<BounceHistory>, ProblemHttpResult>> SubscriberHistory(string id, SubscriberStore subscribers, BounceStore bounces, CancellationToken cancellationToken)
    {
        if (await subscribers.GetAsync(id, cancellationToken) is not { } subscriber)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such subscriber", detail: $"No subscriber has the id '{id}'.");
        return TypedResults.Ok(new BounceHistory(subscriber.Id, subscriber.Suppression, await bounces.HistoryAsync(subscriber.Address, HistoryLength, cancellationToken)));
    }
}
