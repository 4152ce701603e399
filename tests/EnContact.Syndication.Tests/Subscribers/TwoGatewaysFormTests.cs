using System.Net;
using EnContact.Syndication.Tests.Fixtures;
using Xunit.Abstractions;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>
/// A load balancer without stickiness: the pages a reader gets from one gateway are posted to the
/// other, which must accept their anti-forgery field and cookie (the form keys are in the database).
/// </summary>
[Collection(TwoGatewaysCollection.Name)]
[Trait("Speed", "Slow")]
public sealed class TwoGatewaysFormTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SubscribeForm_RenderedByOneGatewayPostedToTheOther_IsAcceptedAndTheConfirmationWorksAcrossToo()
    {
        await using var gateways = await TwoGateways.StartAsync(output);
        using var browser = new Browser(gateways.A.BaseAddress);

        var form = await browser.GetAsync("/subscribe");
        Assert.Equal(HttpStatusCode.OK, form.Status);
        Assert.Contains(form.Response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("encontact.csrf=", StringComparison.Ordinal));
        var answer = await browser.SubmitToAsync(gateways.B.BaseAddress, 0, ("email", "marie.dupont@exemple.fr"), ("name", "Marie Dupont"));
        Assert.Equal((HttpStatusCode.OK, "Vérifiez votre messagerie"), (answer.Status, answer.Heading));
        Assert.Equal(new Uri(gateways.B.BaseAddress, "/subscribe"), answer.Response.RequestMessage!.RequestUri);

        // The confirmation page the other way round: shown by B, its form posted to A.
        await gateways.Smtp.WaitForMessagesAsync(1);
        var mail = Assert.Single(gateways.Smtp.Messages);
        Assert.Equal(["marie.dupont@exemple.fr"], mail.To);
        using var secondBrowser = new Browser(gateways.B.BaseAddress);
        var confirm = await secondBrowser.GetAsync(Browser.LinkPath(mail.Message, Gateway.PublicUrl + "confirm/"));
        Assert.Equal(HttpStatusCode.OK, confirm.Status);
        var confirmed = await secondBrowser.SubmitToAsync(gateways.A.BaseAddress);
        Assert.Equal((HttpStatusCode.OK, "Abonnement confirmé"), (confirmed.Status, confirmed.Heading));
        Assert.Equal("active", (await gateways.QueryAsync("SELECT status FROM subscribers WHERE address = 'marie.dupont@exemple.fr'")).Single()[0]);
    }
}
