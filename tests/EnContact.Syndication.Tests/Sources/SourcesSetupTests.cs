using EnContact.Syndication.Sources;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Sources;

public sealed class SourcesSetupTests
{
    [Fact]
    public async Task Start_WrongFeeds_FailsNamingEachKey()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Sources:Feeds:0:Name"] = "cms",
            ["Sources:Feeds:0:Url"] = "ftp://cms.en-contact.example/feed",
            ["Sources:Feeds:1:Name"] = "cms",
            ["Sources:Feeds:1:Url"] = "https://cms.en-contact.example/feed",
            ["Sources:Feeds:1:Access"] = "gratuit",
            ["Sources:Feeds:2:Name"] = "Pas Un Slug",
            ["Sources:Feeds:2:Url"] = "https://cms.en-contact.example/other",
            ["Sources:Feeds:2:PollInterval"] = "00:00:05",
        }));

        Assert.Contains("Sources:Feeds:0:Url: 'ftp://cms.en-contact.example/feed' is not an absolute http or https URL", failure.Message);
        Assert.Contains("Sources:Feeds:1:Name: 'cms' names another feed too", failure.Message);
        Assert.Contains("Sources:Feeds:1:Access: 'gratuit' is not an access level", failure.Message);
        Assert.Contains("Sources:Feeds:2:Name: 'Pas Un Slug' is not a short name", failure.Message);
        Assert.Contains("Sources:Feeds:2:PollInterval:", failure.Message);
    }

    [Fact]
    public async Task Start_NoFeedsConfigured_StartsAndPollsNothing()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);

        Assert.Empty(gateway.Services.GetRequiredService<IOptions<SourcesOptions>>().Value.Feeds);
        Assert.Empty(await gateway.Services.GetRequiredService<SourceStore>().ListAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("Thu, 26 Nov 2026 08:30:00 +0100", "2026-11-26T07:30:00Z")]
    [InlineData("Thu, 26 Nov 2026 08:30:00 GMT", "2026-11-26T08:30:00Z")]
    [InlineData("26 Nov 2026 08:30 CET", "2026-11-26T07:30:00Z")]
    [InlineData("Mon, 26 Nov 2026 08:30:00 +0000", "2026-11-26T08:30:00Z")]
    [InlineData("2026-11-26T08:30:00+01:00", "2026-11-26T07:30:00Z")]
    public void FeedDates_Parse_ReadsWhatCmssWrite(string text, string utc) =>
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), FeedDates.Parse(text));

    [Theory]
    [InlineData("mercredi 25 novembre 2026")]
    [InlineData("25/11/2026")]
    [InlineData("")]
    public void FeedDates_Parse_NoDate_IsNull(string text) => Assert.Null(FeedDates.Parse(text));

    [Fact]
    public void ArticleId_AnyKey_IsAValidStableIdOfItsSource()
    {
        var id = SourceIds.ArticleId("cms", "https://cms.en-contact.example/?p=1201");

        Assert.True(EnContact.Syndication.Ingestion.ArticleNormalizer.IsValidId(id));
        Assert.StartsWith("cms-", id);
        Assert.Equal(id, SourceIds.ArticleId("cms", "https://cms.en-contact.example/?p=1201"));
        Assert.True(EnContact.Syndication.Ingestion.ArticleNormalizer.IsValidId(SourceIds.ArticleId(new string('a', 60), new string('x', 5000))));
    }
}
