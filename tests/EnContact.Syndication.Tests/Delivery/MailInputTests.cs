using EnContact.Syndication.Delivery;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class MailInputTests
{
    [Theory]
    [InlineData("lecteur@exemple.fr", "lecteur@exemple.fr")]
    [InlineData("  Lecteur@EXEMPLE.fr ", "lecteur@exemple.fr")]
    [InlineData("zoé@exemple.fr", "zoé@exemple.fr")]
    [InlineData("contact@société.fr", "contact@société.fr")]
    [InlineData("contact@xn--socit-esab.fr", "contact@société.fr")]
    public void TryNormalizeAddress_ValidAddress_IsNormalised(string input, string expected)
    {
        Assert.True(MailInput.TryNormalizeAddress("email", input, out var address, out var error), error);
        Assert.Equal(expected, address);
    }

    [Theory]
    [InlineData("victime@exemple.fr\r\nBcc: tous@exemple.fr", "CR")]
    [InlineData("victime@exemple.fr\nBcc: tous@exemple.fr", "LF")]
    [InlineData("a\u0000b@exemple.fr", "U+0000")]
    [InlineData("", "is required")]
    [InlineData("pas-une-adresse", "is not an e-mail address")]
    [InlineData("Nom <nom@exemple.fr>", "is not an e-mail address")]
    [InlineData("a@b@exemple.fr", "is not an e-mail address")]
    [InlineData("nom@localhost", "is not an e-mail address")]
    public void TryNormalizeAddress_BadInput_IsRejectedNamingTheField(string input, string expected)
    {
        Assert.False(MailInput.TryNormalizeAddress("email", input, out _, out var error));
        Assert.StartsWith("email: ", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryNormalizeAddress_TooLong_IsRejected()
    {
        var address = new string('a', 60) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".fr";

        Assert.False(MailInput.TryNormalizeAddress("email", address, out _, out var error));
        Assert.Contains("at most 254", error);
    }

    [Theory]
    [InlineData("Sujet\r\nBcc: x@y.fr", "CR")]
    [InlineData("Sujet\nX-Injected: 1", "LF")]
    [InlineData("Sujet\u0007", "U+0007")]
    public void CheckHeaderText_ControlCharacters_AreRejected(string value, string expected)
    {
        var problem = MailInput.CheckHeaderText("subject", value, 998);

        Assert.NotNull(problem);
        Assert.StartsWith("subject: contains a control character (" + expected + ")", problem);
    }

    [Fact]
    public void CheckHeaderText_FrenchSubject_IsAccepted()
    {
        Assert.Null(MailInput.CheckHeaderText("subject", "La lettre d’En-Contact n° 50 : « l’IA > le script » & co", 998));
    }
}
