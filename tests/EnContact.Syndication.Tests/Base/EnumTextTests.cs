using System.Text.Json;
using EnContact.Syndication.Articles;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Base;

public sealed class EnumTextTests
{
    [Fact]
    public void Of_WritesKebabCase()
    {
        Assert.Equal("sent-with-failures", EnumText.Of(EditionStatus.SentWithFailures));
        Assert.Equal("awaiting-approval", EnumText.Of(EditionStatus.AwaitingApproval));
        Assert.Equal("published", EnumText.Of(ArticleStatus.Published));
        Assert.Equal("done", EnumText.Of(CampaignPhase.Done));
    }

    [Fact]
    public async Task Of_IsWhatTheJsonApiWrites_ForEveryState()
    {
        await using var gateway = await Gateway.CreateAsync();
        var json = gateway.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        Assert.All(Enum.GetValues<EditionStatus>(), s => Assert.Equal($"\"{EnumText.Of(s)}\"", JsonSerializer.Serialize(s, json)));
        Assert.All(Enum.GetValues<SubscriberStatus>(), s => Assert.Equal($"\"{EnumText.Of(s)}\"", JsonSerializer.Serialize(s, json)));
        Assert.All(Enum.GetValues<CampaignPhase>(), s => Assert.Equal($"\"{EnumText.Of(s)}\"", JsonSerializer.Serialize(s, json)));
        Assert.All(Enum.GetValues<RelayState>(), s => Assert.Equal($"\"{EnumText.Of(s)}\"", JsonSerializer.Serialize(s, json)));
    }

    [Fact]
    public void TryParse_RoundTripsEveryName_AnyCase()
    {
        Assert.All(Enum.GetValues<OutboxStatus>(), s => Assert.True(EnumText.TryParse<OutboxStatus>(EnumText.Of(s), out var back) && back == s));
        Assert.True(EnumText.TryParse<EditionStatus>("Sent-With-Failures", out var status));
        Assert.Equal(EditionStatus.SentWithFailures, status);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("SentWithFailures")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NumbersAndOtherSpellings_AreRefused(string? text)
    {
        Assert.False(EnumText.TryParse<EditionStatus>(text, out _));
    }

    [Fact]
    public void Parse_UnknownStoredName_ThrowsNamingWhatItIs()
    {
        var error = Assert.Throws<FormatException>(() => EnumText.Parse<ArticleStatus>("archived", "article status"));

        Assert.Equal("unknown article status 'archived'", error.Message);
    }

    [Fact]
    public void All_ListsTheNamesInDeclarationOrder()
    {
        Assert.Equal(["pending", "active", "paused", "unsubscribed"], EnumText.All<SubscriberStatus>());
    }
}
