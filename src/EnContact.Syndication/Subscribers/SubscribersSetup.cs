using System.Threading.RateLimiting;
using EnContact.Syndication.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

public static class SubscribersSetup
{
    public static IServiceCollection AddSubscribers(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSectionOptions<SubscribersOptions>(SubscribersOptions.Section, (options, provider) => Rules(options, environment, provider));
        services.AddOptions<SubscribersOptions>().PostConfigure<IConfiguration>((options, configuration) =>
            options.PublicUrl = PublicUrls.OrDerived(options.PublicUrl, configuration, environment));
        services.AddSingleton(provider => LoadSecret(provider.GetRequiredService<IOptions<SubscribersOptions>>().Value, environment));
        services.AddSingleton<SubscriberTokens>();
        // Ingestion and the feeds spell a section as readers choose it here (Subscribers:Sections).
        services.AddSingleton(provider => new SectionNames(provider.GetRequiredService<IOptions<SubscribersOptions>>().Value.EffectiveSections));
        services.AddSingleton<SubscriberLinks>();
        services.AddSingleton<SubscriberStore>();
        services.AddSingleton<SubscriberMetrics>();
        services.AddSingleton<SubscriberImports>();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<AddressRateLimiter>();
        services.AddSingleton<SubscriptionPageKit>();
        services.AddSingleton<EmbeddedForms>();
        services.AddHostedService<PendingPurgeWorker>();

        // The pages' forms carry ASP.NET Core's anti-forgery field; its keys live in the database, so an
        // open form still works after a restart and on another gateway process.
        services.AddDataProtection().SetApplicationName("EnContact.Syndication");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((keys, provider) =>
            keys.XmlRepository = new FormKeyRing(provider.GetRequiredService<Database>(),
                Path.GetFullPath(provider.GetRequiredService<IOptions<SubscribersOptions>>().Value.KeysPath, environment.ContentRootPath),
                provider.GetRequiredService<TimeProvider>()));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.FormFieldName = "csrf";
            antiforgery.Cookie.Name = "encontact.csrf";
            antiforgery.HeaderName = null;
        });

        services.AddRateLimiter(limiter => limiter.AddPolicy(SubscriptionPages.SubscribeRateLimit, http =>
        {
            var perMinute = http.RequestServices.GetRequiredService<IOptions<SubscribersOptions>>().Value.RequestsPerMinutePerClient;
            return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));
        return services;
    }

    private static IEnumerable<string> Rules(SubscribersOptions options, IHostEnvironment environment, IServiceProvider services)
    {
        if (string.IsNullOrWhiteSpace(options.PublicUrl))
            yield return PublicUrls.MissingPublicUrl(SubscribersOptions.Section, "https://lettre.en-contact.com/", services);
        else if (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            yield return $"PublicUrl: '{options.PublicUrl}' is not an absolute http(s) URL";
        else if (!environment.IsDevelopment() && uri.Scheme != Uri.UriSchemeHttps)
            yield return $"PublicUrl: '{options.PublicUrl}' must be https outside Development (one-click unsubscribe, RFC 8058, needs it)";
        if (string.IsNullOrEmpty(options.TokenSecret))
        {
            if (!environment.IsDevelopment())
                yield return $"TokenSecret: is required outside Development; set ENCONTACT__Subscribers__TokenSecret to a random secret of at least {SubscribersOptions.MinSecretLength} characters";
        }
        else if (options.TokenSecret.Length < SubscribersOptions.MinSecretLength)
            yield return $"TokenSecret: is {options.TokenSecret.Length} characters long; use at least {SubscribersOptions.MinSecretLength}";
        for (var i = 0; i < options.PreviousTokenSecrets.Count; i++)
            if (options.PreviousTokenSecrets[i].Length < SubscribersOptions.MinSecretLength)
                yield return $"PreviousTokenSecrets:{i}: is shorter than {SubscribersOptions.MinSecretLength} characters";
        for (var i = 0; i < options.EmbedOrigins.Count; i++)
            if (EmbeddedForms.Normalize(options.EmbedOrigins[i]) is not { } origin || !origin.Equals(options.EmbedOrigins[i].Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                yield return $"EmbedOrigins:{i}: '{options.EmbedOrigins[i]}' is not an origin such as https://www.en-contact.com (scheme and host, no path)";
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Sections.Count; i++)
        {
            var section = options.Sections[i];
            if (string.IsNullOrWhiteSpace(section) || section.Length > 100 || section.Any(char.IsControl))
                yield return $"Sections:{i}: '{section}' is not a section name (1 to 100 characters, one line)";
            else if (!seen.Add(section))
                yield return $"Sections:{i}: '{section}' is listed twice";
        }
    }

    /// <summary>The configured secret; in Development without one, a random secret kept in the keys folder so links survive restarts.</summary>
    private static TokenSecret LoadSecret(SubscribersOptions options, IHostEnvironment environment) =>
        new(!string.IsNullOrEmpty(options.TokenSecret)
            ? options.TokenSecret
            : DevelopmentSecret.ReadOrCreate(Path.Combine(Path.GetFullPath(options.KeysPath, environment.ContentRootPath), "link-token.secret")));
}
