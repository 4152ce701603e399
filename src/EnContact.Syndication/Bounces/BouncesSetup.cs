namespace EnContact.Syndication.Bounces;

public static class BouncesSetup
{
    /// <summary>What the bounce mailbox's reader hands each message to (<see cref="IBounceMailHandler"/>), and its store.</summary>
    public static IServiceCollection AddBounces(this IServiceCollection services)
    {
        services.AddSingleton<BounceStore>();
        services.AddSingleton<IBounceMailHandler, BounceMailHandler>();
        return services;
    }
}
