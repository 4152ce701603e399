using EnContact.Syndication.Hosting;

namespace EnContact.Syndication.Tests.Hosting;

public sealed class PersonalDataTests
{
    [Fact]
    public void LogId_IsStableAndCarriesNothingOfTheAddress()
    {
        var id = PersonalData.LogId("marie.curie@exemple.fr");

        Assert.Equal(id, PersonalData.LogId("marie.curie@exemple.fr"));
        Assert.NotEqual(id, PersonalData.LogId("pierre.curie@exemple.fr"));
        Assert.Matches("^addr:[0-9a-f]{12}$", id);
    }

    [Theory]
    [InlineData("550 5.1.1 <Marie.Curie@Exemple.fr>: Recipient address rejected", "550 5.1.1 <{0}>: Recipient address rejected")]
    [InlineData("451 4.7.1 marie.curie@exemple.fr greylisted, try later", "451 4.7.1 {0} greylisted, try later")]
    [InlineData("RCPT TO:marie.curie@exemple.fr; user unknown", "RCPT TO:{0}; user unknown")]
    public void Redact_ReplacesEveryAddressInARelayReply(string reply, string expected)
    {
        Assert.Equal(string.Format(expected, PersonalData.LogId("marie.curie@exemple.fr")), PersonalData.Redact(reply));
    }

    [Fact]
    public void Redact_LeavesTextWithoutAddressesAlone()
    {
        const string reply = "421 4.3.2 Service not available, closing transmission channel (try again at 10:30)";

        Assert.Equal(reply, PersonalData.Redact(reply));
    }
}
