using EnContact.Syndication.Feeds;

namespace EnContact.Syndication.Tests.Feeds;

public sealed class ContentNegotiationTests
{
    [Theory]
    [InlineData("", null)]
    [InlineData("gzip", "gzip")]
    [InlineData("x-gzip", "gzip")]
    [InlineData("gzip, deflate, br", "br")]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0.5, gzip;q=0.8", "gzip")]
    [InlineData("br;q=0.8, gzip;q=0.8", "br")]
    [InlineData("*", "br")]
    [InlineData("*;q=0.1, br;q=0", "gzip")]
    [InlineData("br;q=0, gzip;q=0", null)]
    [InlineData("identity", null)]
    [InlineData("deflate", null)]
    [InlineData("BR", "br")]
    [InlineData("gzip;q=abc", null)]
    public void ChooseEncoding_FollowsQValues(string acceptEncoding, string? expected)
    {
        Assert.Equal(expected, FeedsApi.ChooseEncoding(acceptEncoding));
    }

    [Theory]
    [InlineData("gzip, deflate, br", true, "br")]
    [InlineData("gzip, deflate, br", false, "gzip")]
    [InlineData("*", false, "gzip")]
    [InlineData("br", false, "br")]
    [InlineData("br;q=1, gzip;q=0.5", false, "br")]
    [InlineData("gzip;q=1, br;q=0.5", true, "gzip")]
    public void ChooseEncoding_BothEquallyAccepted_TakesTheSmallerForTheDocument(string acceptEncoding, bool brotliIsSmaller, string expected)
    {
        Assert.Equal(expected, FeedsApi.ChooseEncoding(acceptEncoding, brotliIsSmaller));
    }
}
