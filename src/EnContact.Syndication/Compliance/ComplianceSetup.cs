using EnContact.Syndication.Digests;

namespace EnContact.Syndication.Compliance;

public static class ComplianceSetup
{
    /// <summary>The gate editions pass before they are queued (<see cref="IEditionGate"/>).</summary>
    public static IServiceCollection AddCompliance(this IServiceCollection services) =>
        services.AddSingleton<IEditionGate, LetterGate>();
}
