using EnContact.Syndication.Members;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Members;

/// <summary>The feed-token secret: required outside Development, long enough, and made once and kept in Development.</summary>
public sealed class MembersSetupTests
{
    [Fact]
    public async Task Production_WithoutFeedTokenSecret_FailsAtStartNamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(
            start: true, environment: "Production", settings: new Dictionary<string, string?> { ["Members:FeedTokenSecret"] = "" }));

        Assert.Contains("Members:FeedTokenSecret: is required outside Development", failure.Message);
    }

    [Fact]
    public async Task FeedTokenSecret_TooShort_FailsAtStartNamingTheKey()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Gateway.CreateAsync(
            start: true, settings: new Dictionary<string, string?> { ["Members:FeedTokenSecret"] = "court" }));

        Assert.Contains("Members:FeedTokenSecret: is 5 characters long", failure.Message);
    }

    [Fact]
    public async Task Development_WithoutFeedTokenSecret_KeepsTheOneItMadeAcrossRestarts()
    {
        using var folder = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Members:FeedTokenSecret"] = "" };
        string first, second;
        await using (var gateway = await Gateway.CreateAsync(environment: "Development", settings: settings, folder: folder))
            first = gateway.Services.GetRequiredService<MemberFeedTokens>().TokenFor("nonce");
        await using (var gateway = await Gateway.CreateAsync(environment: "Development", settings: settings, folder: folder))
            second = gateway.Services.GetRequiredService<MemberFeedTokens>().TokenFor("nonce");

        Assert.Equal(first, second);
        Assert.True(File.Exists(folder.Combine("data", "keys", "member-feed.secret")));
    }
}
