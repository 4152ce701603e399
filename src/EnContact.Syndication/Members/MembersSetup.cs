using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Members;

/// <summary>Paying members: the list the paywall keeps in sync, and their private full-text feeds.</summary>
public static class MembersSetup
{
    public static IServiceCollection AddMembers(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSectionOptions<MembersOptions>(MembersOptions.Section, options => Rules(options, environment));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<MembersOptions>>().Value;
            return new MemberFeedSecret(!string.IsNullOrEmpty(options.FeedTokenSecret)
                ? options.FeedTokenSecret
                : DevelopmentSecret.ReadOrCreate(Path.GetFullPath(options.DevelopmentSecretPath, environment.ContentRootPath)));
        });
        services.AddSingleton<MemberFeedTokens>();
        services.AddSingleton<MemberStore>();
        services.AddSingleton<MemberFeedAccess>();
        services.AddSingleton<MemberFeedLinks>();
        services.AddSingleton<MemberImports>();
        services.AddHostedService<MemberMaintenanceWorker>();
        services.AddMemberFeedRateLimit();
        return services;
    }

    /// <summary>The members' private feeds (public, behind their tokens).</summary>
    public static WebApplication MapMembers(this WebApplication app)
    {
        app.MapMemberFeeds();
        return app;
    }

    private static IEnumerable<string> Rules(MembersOptions options, IHostEnvironment environment)
    {
        if (string.IsNullOrEmpty(options.FeedTokenSecret))
        {
            if (!environment.IsDevelopment())
                yield return $"FeedTokenSecret: is required outside Development; set ENCONTACT__Members__FeedTokenSecret to a random secret of at least {MembersOptions.MinSecretLength} characters";
        }
        else if (options.FeedTokenSecret.Length < MembersOptions.MinSecretLength)
            yield return $"FeedTokenSecret: is {options.FeedTokenSecret.Length} characters long; use at least {MembersOptions.MinSecretLength}";
    }
}
