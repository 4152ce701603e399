using EnContact.Syndication.Digests;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Digests;

public sealed class DigestScheduleTests
{
    private static DigestSchedule Schedule(string cron = "0 8 * * 1", string zone = "Europe/Paris") =>
        new(Options.Create(new DigestOptions { Schedule = cron, TimeZone = zone }), new MagazineTime(Options.Create(new SiteOptions())));

    private static DateTimeOffset Utc(int y, int m, int d, int h, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    [Fact]
    public void MondaysAtEight_StayAtEightLocal_AcrossBothDaylightSavingChanges()
    {
        var schedule = Schedule();

        var spring = schedule.Upcoming(Utc(2026, 3, 20, 12), 2);
        var autumn = schedule.Upcoming(Utc(2026, 10, 16, 12), 2);

        // 23 March: winter time (+01:00, 07:00 UTC); 30 March, after the change of 29 March: summer time (+02:00, 06:00 UTC).
        Assert.Equal([Utc(2026, 3, 23, 7), Utc(2026, 3, 30, 6)], spring.Select(t => t.ToUniversalTime()));
        Assert.Equal([Utc(2026, 10, 19, 6), Utc(2026, 10, 26, 7)], autumn.Select(t => t.ToUniversalTime()));
        Assert.All(spring.Concat(autumn), t => Assert.Equal(8, t.Hour));
        Assert.Equal([TimeSpan.FromHours(1), TimeSpan.FromHours(2)], spring.Select(t => t.Offset));
    }

    [Fact]
    public void TimeThatDoesNotExistOrHappensTwice_FiresExactlyOnce()
    {
        var schedule = Schedule("30 2 * * *");

        var spring = schedule.Upcoming(Utc(2026, 3, 28, 12), 2).Select(t => t.ToUniversalTime()).ToList();
        var autumn = schedule.Upcoming(Utc(2026, 10, 24, 12), 2).Select(t => t.ToUniversalTime()).ToList();

        // 29 March 02:30 does not exist in Paris: it fires at the jump (03:00 summer time = 01:00 UTC), once.
        Assert.Equal([Utc(2026, 3, 29, 1), Utc(2026, 3, 30, 0, 30)], spring);
        // 25 October 02:30 happens twice: it fires at the first one only.
        Assert.Equal([Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 26, 1, 30)], autumn);
    }

    [Fact]
    public void YearEnd_NextEditionsCrossIntoJanuary_WithKeysOfTheirLocalDate()
    {
        var schedule = Schedule();

        var next = schedule.Upcoming(Utc(2026, 12, 25, 12), 3);

        Assert.Equal(["2026-12-28-0800", "2027-01-04-0800", "2027-01-11-0800"], next.Select(schedule.KeyOf));
    }

    [Fact]
    public void KeyOf_IsTheLocalFireTime_EvenWhenUtcIsStillTheDayBefore()
    {
        var schedule = Schedule("30 0 * * 1");

        Assert.Equal("2026-11-30-0030", schedule.KeyOf(Utc(2026, 11, 29, 23, 30)));
    }

    [Fact]
    public void LatestDue_IsTheLastFireTimeBetweenTheBounds()
    {
        var schedule = Schedule();

        Assert.Equal(Utc(2026, 12, 7, 7), schedule.LatestDue(Utc(2026, 11, 29, 0), Utc(2026, 12, 8, 0)));
        Assert.Null(schedule.LatestDue(Utc(2026, 11, 30, 7), Utc(2026, 12, 7, 6, 59)));
    }

    [Theory]
    [InlineData("0 8 * *", "Digest:Schedule: '0 8 * *' is not a cron expression")]
    [InlineData("0 25 * * 1", "Digest:Schedule: '0 25 * * 1' is not a cron expression")]
    public async Task InvalidSchedule_StopsStartUpNamingTheKey(string cron, string expected)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Fixtures.Gateway.CreateAsync(start: true, settings: new Dictionary<string, string?> { ["Digest:Schedule"] = cron }));

        Assert.Contains(failure.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }
}
