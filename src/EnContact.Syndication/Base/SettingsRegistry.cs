using System.Reflection;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Base;

/// <summary>One settings section: its name in configuration and the options class it binds to.</summary>
public sealed class SettingsSection(string name, Type optionsType, Func<IServiceProvider, object> resolve)
{
    public string Name { get; } = name;
    public Type OptionsType { get; } = optionsType;

    /// <summary>The section's keys: the options class's public settable properties.</summary>
    public IReadOnlyList<PropertyInfo> Keys { get; } =
        [.. optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true)];

    /// <summary>The bound, post-configured and validated options (throws <see cref="OptionsValidationException"/> when they are wrong).</summary>
    public object Resolve(IServiceProvider services) => resolve(services);
}

/// <summary>
/// Every settings section of the gateway, filled by each feature's <c>AddSectionOptions</c> call, so
/// start-up validation, <c>config-dump</c> and the configuration reference (docs/configuration.md, checked by a test)
/// all work from the same list and no feature can be left out of any of them.
/// </summary>
public sealed class SettingsRegistry
{
    /// <summary>Sections ASP.NET Core itself reads from our settings: log levels and console format, Kestrel (listen address, limits), host filtering.</summary>
    public static readonly IReadOnlyList<string> HostSections = ["Logging", "Kestrel", "AllowedHosts"];

    private readonly List<SettingsSection> _sections = [];

    public IReadOnlyList<SettingsSection> Sections => _sections;

    public SettingsSection? Find(string name) => _sections.Find(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    internal void Add<T>(string name) where T : class
    {
        if (Find(name) is not null)
            throw new InvalidOperationException($"The settings section '{name}' is registered twice");
        _sections.Add(new SettingsSection(name, typeof(T), services => services.GetRequiredService<IOptions<T>>().Value));
    }

    /// <summary>The registry of a service collection, made on first use (the composition root adds the start-up check that reads it).</summary>
    public static SettingsRegistry In(IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(SettingsRegistry))?.ImplementationInstance is SettingsRegistry existing)
            return existing;
        var registry = new SettingsRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}
