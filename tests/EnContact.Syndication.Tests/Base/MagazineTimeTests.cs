using System.Globalization;
using EnContact.Syndication.Ingestion;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Base;

public sealed class MagazineTimeTests
{
    private static readonly MagazineTime Paris = new(Options.Create(new SiteOptions()));

    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset ParseOk(MagazineTime time, string text)
    {
        var ok = time.TryParse(text, out var instant, out var error);
        Assert.True(ok, $"'{text}' was rejected: {error}");
        Assert.Equal("", error);
        Assert.Equal(TimeSpan.Zero, instant.Offset);
        return instant;
    }

    [Fact]
    public void Zone_DefaultOptions_IsEuropeParis()
    {
        Assert.Equal("Europe/Paris", Paris.Zone.Id);
    }

    [Theory]
    [InlineData("2026-11-20 09:30", "2026-11-20T08:30:00Z")]
    [InlineData("2026-11-20T09:30", "2026-11-20T08:30:00Z")]
    [InlineData("2026-11-20 09:30:15", "2026-11-20T08:30:15Z")]
    [InlineData("2026-11-20T09:30:15", "2026-11-20T08:30:15Z")]
    [InlineData("2026-11-20 09:30:15.25", "2026-11-20T08:30:15.25Z")]
    [InlineData("2026-01-15 00:00", "2026-01-14T23:00:00Z")]
    public void TryParse_WinterLocalTime_IsUtcPlusOne(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-09-15 10:00", "2026-09-15T08:00:00Z")]
    [InlineData("2026-09-15T10:00:00", "2026-09-15T08:00:00Z")]
    [InlineData("2026-07-14 00:15", "2026-07-13T22:15:00Z")]
    public void TryParse_SummerLocalTime_IsUtcPlusTwo(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-11-20", "2026-11-19T23:00:00Z")]
    [InlineData("2026-09-15", "2026-09-14T22:00:00Z")]
    [InlineData("2027-01-01", "2026-12-31T23:00:00Z")]
    public void TryParse_DateOnly_IsMidnightMagazineTime(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-10-27T07:45:00+01:00", "2026-10-27T06:45:00Z")]
    [InlineData("2026-10-27T07:45+01:00", "2026-10-27T06:45:00Z")]
    [InlineData("2026-10-27 07:45:00+01:00", "2026-10-27T06:45:00Z")]
    [InlineData("2026-10-27 07:45+01:00", "2026-10-27T06:45:00Z")]
    [InlineData("2026-10-27T07:45:00.5+01:00", "2026-10-27T06:45:00.5Z")]
    [InlineData("2026-06-01T12:00:00-04:00", "2026-06-01T16:00:00Z")]
    [InlineData("2026-06-01T12:00:00+05:30", "2026-06-01T06:30:00Z")]
    [InlineData("2026-06-01T12:00:00+00:00", "2026-06-01T12:00:00Z")]
    public void TryParse_ExplicitOffset_IsThatInstant(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-10-27T07:45:00Z", "2026-10-27T07:45:00Z")]
    [InlineData("2026-07-01T07:45:00Z", "2026-07-01T07:45:00Z")]
    [InlineData("2026-10-27T07:45Z", "2026-10-27T07:45:00Z")]
    [InlineData("2026-10-27 07:45:00Z", "2026-10-27T07:45:00Z")]
    public void TryParse_ZuluSuffix_IsUtcNotMagazineTime(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-10-27T07:45:00z", "2026-10-27T07:45:00Z")]
    [InlineData("2026-10-27 07:45z", "2026-10-27T07:45:00Z")]
    public void TryParse_LowercaseZuluSuffix_IsUtc(string text, string expectedUtc)
    {
        // RFC 3339 allows a lowercase "z", and MagazineTime.HasExplicitOffset accepts it.
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Fact]
    public void TryParse_SurroundingWhiteSpace_IsIgnored()
    {
        Assert.Equal(Utc("2026-11-20T08:30:00Z"), ParseOk(Paris, "  2026-11-20 09:30\t"));
    }

    [Theory]
    [InlineData("2026-03-29 02:30")]
    [InlineData("2026-03-29 02:00")]
    [InlineData("2026-03-29 02:59")]
    [InlineData("2026-03-29T02:30:00")]
    public void TryParse_TimeSkippedBySpringChange_FailsNamingTheZone(string text)
    {
        var ok = Paris.TryParse(text, out _, out var error);

        Assert.False(ok);
        Assert.Contains("Europe/Paris", error, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-03-29 01:59", "2026-03-29T00:59:00Z")] // last minute of winter time, +01:00
    [InlineData("2026-03-29 03:00", "2026-03-29T01:00:00Z")] // first minute of summer time, +02:00
    [InlineData("2026-03-29 03:30", "2026-03-29T01:30:00Z")]
    public void TryParse_EdgesOfSpringChange_UseTheOffsetInForce(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Fact]
    public void TryParse_ExplicitOffsetInsideSkippedHour_IsThatInstant()
    {
        Assert.Equal(Utc("2026-03-29T01:30:00Z"), ParseOk(Paris, "2026-03-29T02:30:00+01:00"));
    }

    [Theory]
    [InlineData("2026-10-25 02:30", "2026-10-25T00:30:00Z")]
    [InlineData("2026-10-25 02:00", "2026-10-25T00:00:00Z")]
    [InlineData("2026-10-25 02:59", "2026-10-25T00:59:00Z")]
    [InlineData("2026-10-25T02:30:00", "2026-10-25T00:30:00Z")]
    public void TryParse_AmbiguousAutumnTime_IsFirstOccurrenceInSummerTime(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-10-25 01:59", "2026-10-24T23:59:00Z")] // before the change, +02:00
    [InlineData("2026-10-25 03:00", "2026-10-25T02:00:00Z")] // after the change, +01:00
    [InlineData("2026-10-25 12:00", "2026-10-25T11:00:00Z")]
    public void TryParse_EdgesOfAutumnChange_UseTheOffsetInForce(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-10-25T02:30:00+02:00", "2026-10-25T00:30:00Z")]
    [InlineData("2026-10-25T02:30:00+01:00", "2026-10-25T01:30:00Z")]
    public void TryParse_AmbiguousTimeWithExplicitOffset_IsThatOccurrence(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("2026-12-31 23:30", "2026-12-31T22:30:00Z")]
    [InlineData("2027-01-01 00:30", "2026-12-31T23:30:00Z")]
    [InlineData("2026-12-31T23:59:59", "2026-12-31T22:59:59Z")]
    public void TryParse_AroundYearEnd_CrossesTheYearCorrectly(string text, string expectedUtc)
    {
        Assert.Equal(Utc(expectedUtc), ParseOk(Paris, text));
    }

    [Theory]
    [InlineData("next tuesday")]
    [InlineData("20/11/2026 09:30")]
    [InlineData("2026-13-01")]
    [InlineData("2026-02-30")]
    [InlineData("2026-11-20 25:00")]
    [InlineData("2026-11-20 09h30")]
    [InlineData("2026-11-20T09:30:00+25:00")]
    public void TryParse_NotADate_FailsNamingTheText(string text)
    {
        var ok = Paris.TryParse(text, out _, out var error);

        Assert.False(ok);
        Assert.Contains($"'{text}' is not a date", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_EmptyText_Fails()
    {
        var ok = Paris.TryParse("   ", out _, out var error);

        Assert.False(ok);
        Assert.StartsWith("'' is not a date", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_OtherConfiguredZone_UsesThatZone()
    {
        var newYork = new MagazineTime(Options.Create(new SiteOptions { TimeZone = "America/New_York" }));

        Assert.Equal("America/New_York", newYork.Zone.Id);
        Assert.Equal(Utc("2026-11-20T14:30:00Z"), ParseOk(newYork, "2026-11-20 09:30"));
        Assert.Equal(Utc("2026-07-01T13:00:00Z"), ParseOk(newYork, "2026-07-01 09:00"));
        // New York changes on 2026-03-08, not on Paris's date.
        Assert.False(newYork.TryParse("2026-03-08 02:30", out _, out var error));
        Assert.Contains("America/New_York", error, StringComparison.Ordinal);
        Assert.Equal(Utc("2026-03-29T06:30:00Z"), ParseOk(newYork, "2026-03-29 02:30"));
    }
}
