using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Composition;

/// <summary>Stands for "every setting" in the options system, so that one start-up check covers them all.</summary>
public sealed class SettingsCheck;

public static class SettingsCheckExtensions
{
    /// <summary>The one start-up check of every registered settings section (see <see cref="SettingsValidator"/>).</summary>
    public static IServiceCollection AddSettingsCheck(this IServiceCollection services)
    {
        SettingsRegistry.In(services);
        services.AddSingleton<IValidateOptions<SettingsCheck>, SettingsValidator>();
        services.AddOptions<SettingsCheck>().ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Checks every setting before anything uses one: the host would otherwise build its hosted
    /// services first, and the first of them to read a wrong section would stop it with that
    /// section's problems alone. Throws <see cref="OptionsValidationException"/> listing them all.
    /// </summary>
    public static WebApplication ValidateSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return app;
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }
}

/// <summary>Problems found while the sources were put together, before any part of the host could read them (log settings, standard listen variables).</summary>
public sealed record ConfigurationProblems(IReadOnlyList<string> Items);

/// <summary>
/// The start-up check of every setting at once: unknown sections and keys, unreadable values,
/// each section's own rules, the listen address. An operator sees every mistake in one run, each
/// as a <c>Section:Key: problem</c> line, instead of one section per attempt.
/// </summary>
internal sealed class SettingsValidator(IServiceProvider services, IConfiguration configuration, SettingsRegistry registry, ConfigurationProblems? early = null)
    : IValidateOptions<SettingsCheck>
{
    public ValidateOptionsResult Validate(string? name, SettingsCheck options)
    {
        var problems = Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public List<string> Problems()
    {
        var problems = new List<string>(early?.Items ?? []);
        problems.AddRange(SettingsShape.UnknownSections(configuration, registry));
        foreach (var section in registry.Sections)
        {
            var shape = SettingsShape.Section(configuration, section).ToList();
            if (shape.Count > 0)
            {
                // Binding would stop at the first of these; the section's own rules wait until they are fixed.
                problems.AddRange(shape);
                continue;
            }
            try
            {
                section.Resolve(services);
            }
            catch (OptionsValidationException e)
            {
                problems.AddRange(e.Failures);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{section.Name}: {e.Message}");
            }
        }
        problems.AddRange(ListenAddress.Problems(configuration));
        return problems;
    }
}
