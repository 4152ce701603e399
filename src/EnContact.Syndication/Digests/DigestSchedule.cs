using Cronos;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// The digest's fire times: the cron expression read in the magazine's time zone, or in
/// <c>Digest:TimeZone</c> when an operator sets one apart (Cronos), so
/// "Mondays 08:00 Europe/Paris" stays 08:00 local across daylight-saving changes. An edition is keyed
/// by its local fire time ("2026-11-30-0800"): one edition per period, whatever happens.
/// </summary>
public sealed class DigestSchedule
{
    private readonly CronExpression _cron;

    public DigestSchedule(IOptions<DigestOptions> options, MagazineTime magazineTime)
    {
        _cron = CronExpression.Parse(options.Value.Schedule, CronFormat.Standard);
        Zone = string.IsNullOrEmpty(options.Value.TimeZone) ? magazineTime.Zone : TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The first fire time strictly after <paramref name="instant"/>, or null if the expression never fires again.</summary>
    public DateTimeOffset? Next(DateTimeOffset instant) =>
        _cron.GetNextOccurrence(instant.UtcDateTime, Zone, inclusive: false) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;

    /// <summary>The next <paramref name="count"/> fire times after <paramref name="instant"/>, in the schedule's zone.</summary>
    public IReadOnlyList<DateTimeOffset> Upcoming(DateTimeOffset instant, int count)
    {
        var result = new List<DateTimeOffset>(count);
        var cursor = instant;
        while (result.Count < count && Next(cursor) is { } next)
        {
            result.Add(TimeZoneInfo.ConvertTime(next, Zone));
            cursor = next;
        }
        return result;
    }

    /// <summary>The latest fire time at or before <paramref name="instant"/> and after <paramref name="after"/>, if any.</summary>
    public DateTimeOffset? LatestDue(DateTimeOffset after, DateTimeOffset instant)
    {
        DateTimeOffset? latest = null;
        var cursor = after;
        while (Next(cursor) is { } next && next <= instant)
        {
            latest = next;
            cursor = next;
        }
        return latest;
    }

    /// <summary>The key of the edition that fires at <paramref name="fireAt"/>: its local date, e.g. <c>2026-11-30</c>.</summary>
    public string KeyOf(DateTimeOffset fireAt) => TimeZoneInfo.ConvertTime(fireAt, Zone).ToString("yyyy-MM-dd-HHmm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="expression"/> is a valid 5-field cron expression; else why not.</summary>
    public static string? Check(string expression)
    {
        try
        {
            CronExpression.Parse(expression, CronFormat.Standard);
            return null;
        }
        catch (CronFormatException e)
        {
            return e.Message;
        }
    }
}
