
namespace EnContact.Syndication.Digests;

public static class DigestsSetup
{
    public static IServiceCollection AddDigests(this IServiceCollection services)
    {
        services.AddSectionOptions<DigestOptions>(DigestOptions.Section, Rules);
        services.AddSingleton<DigestSchedule>();
        services.AddSingleton<DigestStore>();
        services.AddSingleton<EnContact.Syndication.Storage.IChangeSubscriber, DigestChanges>();
        services.AddSingleton<DigestLedger>();
        services.AddSingleton<DigestBuilder>();
        services.AddSingleton<DigestRenderer>();
        services.AddSingleton<DigestQueue>();
        services.AddSingleton<DigestScheduler>();
        services.AddSingleton<DigestEditions>();
        services.AddSingleton<DigestCompletion>();
        services.AddSingleton<Delivery.ICampaignListener>(provider => provider.GetRequiredService<DigestCompletion>());
        services.AddHostedService(provider => provider.GetRequiredService<DigestScheduler>());
        return services;
    }

    private static IEnumerable<string> Rules(DigestOptions options)
    {
        if (DigestSchedule.Check(options.Schedule) is { } problem)
            yield return $"Schedule: '{options.Schedule}' is not a cron expression (minute hour day month weekday): {problem}";
        if (options.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
            yield return $"TimeZone: '{options.TimeZone}' is not a known time zone (use an IANA name such as Europe/Paris)";
        if (options.Subject.Any(char.IsControl))
            yield return "Subject: must be a single line";
    }
}
