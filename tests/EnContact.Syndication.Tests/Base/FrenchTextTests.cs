namespace EnContact.Syndication.Tests.Base;

public sealed class FrenchTextTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Theory]
    [InlineData("2026-11-30T23:30:00Z", "1er décembre 2026")] // already the 1st in Paris
    [InlineData("2026-12-02T08:00:00Z", "2 décembre 2026")]
    [InlineData("2027-01-01T09:00:00Z", "1er janvier 2027")]
    public void LongDate_InTheMagazineZone_FirstOfTheMonthIsAnOrdinal(string instant, string expected) =>
        Assert.Equal(expected, FrenchText.LongDate(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), Paris));

    [Theory]
    [InlineData("Rubriques : toutes", "Rubriques\u00A0: toutes")]
    [InlineData("Rien reçu ? Merci ! Voici ; et", "Rien reçu\u202F? Merci\u202F! Voici\u202F; et")]
    [InlineData("dans « Études »", "dans «\u00A0Études\u00A0»")]
    [InlineData("dans «Études»", "dans «\u00A0Études\u00A0»")]
    [InlineData("Lien : https://lettre.en-contact.com/a?b=c;d:e !", "Lien\u00A0: https://lettre.en-contact.com/a?b=c;d:e\u202F!")]
    [InlineData("à 10:30 ; écrire à a@b.fr", "à 10:30\u202F; écrire à a@b.fr")]
    [InlineData("Déjà\u00A0: bien", "Déjà\u00A0: bien")]
    public void Typography_FrenchSpacesBeforeHighPunctuationAndInsideQuotes_UrlsUntouched(string text, string expected) =>
        Assert.Equal(expected, FrenchText.Typography(text));
}
