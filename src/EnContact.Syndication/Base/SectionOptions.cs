using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Base;

/// <summary>
/// Binds an options class to its configuration section and validates it at start-up with
/// messages that name the configuration key ("Ingestion:RescanInterval: …"), so an operator
/// knows what to fix. Unknown keys in the section are errors too: a typo must not be ignored.
/// Each section is recorded in the <see cref="SettingsRegistry"/>, which validation and <c>config-dump</c> read.
/// </summary>
public static class SectionOptions
{
    public static OptionsBuilder<T> AddSectionOptions<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>>? rules = null)
        where T : class =>
        services.AddSectionOptions<T>(section, rules is null ? null : (options, _) => rules(options));

    /// <summary>As above, for rules that need other services (the environment, the configuration).</summary>
    public static OptionsBuilder<T> AddSectionOptions<T>(this IServiceCollection services, string section, Func<T, IServiceProvider, IEnumerable<string>>? rules)
        where T : class
    {
        // The registry's one start-up check (SettingsValidator) validates every section together.
        SettingsRegistry.In(services).Add<T>(section);
        services.AddSingleton<IValidateOptions<T>>(provider => new SectionValidator<T>(section, rules is null ? null : options => rules(options, provider)));
        return services.AddOptions<T>().BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true);
    }

    private sealed class SectionValidator<T>(string section, Func<T, IEnumerable<string>>? rules) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                foreach (var result in results)
                    failures.Add($"{section}:{string.Join(",", result.MemberNames)}: {result.ErrorMessage}");
            }
            if (rules is not null)
                failures.AddRange(rules(options).Select(f => $"{section}:{f}"));
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
