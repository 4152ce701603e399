using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Delivery;

/// <summary>Admin endpoints to watch and steer deliveries (an edition or a purpose such as "confirm").</summary>
public static class DeliveryApi
{
    public sealed record TestRequest(string? To);

    public static RouteGroupBuilder MapDeliveryApi(this RouteGroupBuilder admin)
    {
        var api = admin.MapGroup("/deliveries");
        api.MapGet("/", ListProgress);
        api.MapGet("/{campaign}", GetProgress);
        api.MapGet("/relay", RelayStatus);
        api.MapPost("/{campaign}/pause", (string campaign, CampaignControl control, CancellationToken ct) => SetStateAsync(campaign, CampaignState.Paused, "paused by the operator", control, ct));
        api.MapPost("/{campaign}/resume", (string campaign, CampaignControl control, CancellationToken ct) => SetStateAsync(campaign, CampaignState.Active, null, control, ct));
        api.MapPost("/{campaign}/cancel", (string campaign, CampaignControl control, CancellationToken ct) => SetStateAsync(campaign, CampaignState.Cancelled, "cancelled by the operator", control, ct));
        api.MapPost("/test", QueueTest);
        return api;
    }

    private static async Task<Ok<IReadOnlyList<CampaignProgress>>> ListProgress(CampaignControl control, CancellationToken cancellationToken) =>
        TypedResults.Ok(await control.ProgressAsync(null, cancellationToken));

    private static async Task<Results<Ok<CampaignProgress>, ProblemHttpResult>> GetProgress(string campaign, CampaignControl control, CancellationToken cancellationToken) =>
        (await control.ProgressAsync(campaign, cancellationToken)).FirstOrDefault() is { } progress ? TypedResults.Ok(progress) : UnknownCampaign(campaign);

    /// <summary>The relay as each sending process last reported it (failures redacted: a relay's reply often names an address).</summary>
    private static async Task<Ok<IReadOnlyList<RelayStatus>>> RelayStatus(RelayStatusStore store, PersonalData personalData, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<RelayStatus>>((await store.ListAsync(cancellationToken))
            .Select(r => r.Status with { LastFailure = r.Status.LastFailure is null ? null : personalData.Redact(r.Status.LastFailure) }).ToList());

    private static async Task<Results<Ok<CampaignProgress>, ProblemHttpResult>> SetStateAsync(string campaign, CampaignState state, string? reason, CampaignControl control, CancellationToken cancellationToken)
    {
        if ((await control.ProgressAsync(campaign, cancellationToken)).Count == 0)
            return UnknownCampaign(campaign);
        await control.SetStateAsync(campaign, state, reason, cancellationToken);
        return TypedResults.Ok((await control.ProgressAsync(campaign, cancellationToken))[0]);
    }

    /// <summary>Queues one transactional test message, to check the relay end to end.</summary>
    private static async Task<Results<Accepted<CampaignProgress>, ValidationProblem, ProblemHttpResult>> QueueTest(
        HttpRequest http, OutboxStore outbox, CampaignControl control, IOptions<AdminOptions> admin, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, unreadable) = await JsonBody.ReadAsync<TestRequest>(http, admin.Value.MaxRequestBodyBytes, cancellationToken);
        if (request is null)
            return unreadable!;
        if (!MailInput.TryNormalizeAddress("to", request.To, out var address, out var error))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [error] });
        var campaign = $"test-{time.GetUtcNow():yyyyMMddHHmmss}";
        await outbox.EnqueueAsync(DeliveryTestMessage.Body, [new OutboxRequest { Campaign = campaign, Kind = MailKind.Transactional, RecipientAddress = address }], cancellationToken);
        return TypedResults.Accepted($"/api/deliveries/{campaign}", (await control.ProgressAsync(campaign, cancellationToken))[0]);
    }

    private static ProblemHttpResult UnknownCampaign(string campaign) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such delivery", detail: $"Nothing was ever queued for '{campaign}'.");
}

/// <summary>The message sent by the delivery test (API and <c>delivery send-test</c>).</summary>
public static class DeliveryTestMessage
{
    public static readonly MessageBody Body = new(
        "Test d’envoi — En-Contact",
        "Ce message de test confirme que la passerelle En-Contact peut envoyer du courrier.\n",
        "<p>Ce message de test confirme que la passerelle <strong>En-Contact</strong> peut envoyer du courrier.</p>");
}
