using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Hosting;

/// <summary>
/// Binds an options class to its configuration section and validates it at start-up with
/// messages that name the configuration key ("Ingestion:RescanInterval: …"), so an operator
/// knows what to fix. Unknown keys in the section are errors too: a typo must not be ignored.
/// </summary>
public static class SectionOptions
{
    public static OptionsBuilder<T> AddSectionOptions<T>(this IServiceCollection services, string section, Func<T, IEnumerable<string>>? rules = null)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section, rules));
        return services.AddOptions<T>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
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
