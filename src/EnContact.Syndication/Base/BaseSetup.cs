using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Base;

/// <summary>Site-wide settings, the admin token rules, problem details, request limits and the public rate limit.</summary>
public static class BaseSetup
{
    public const string PublicRateLimit = "public";

    public static IServiceCollection AddSite(this IServiceCollection services)
    {
        services.AddSectionOptions<SiteOptions>(SiteOptions.Section, SiteRules);
        return services;
    }

    /// <summary>The keyed hash of addresses (log labels, erasure hashes) and its key.</summary>
    public static IServiceCollection AddPersonalData(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSectionOptions<PersonalDataOptions>(PersonalDataOptions.Section, options => PersonalDataRules(options, environment));
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<PersonalDataOptions>>().Value;
            return new PersonalDataKey(!string.IsNullOrEmpty(options.HashKey)
                ? options.HashKey
                : DevelopmentSecret.ReadOrCreate(Path.GetFullPath(options.DevelopmentKeyPath, environment.ContentRootPath)));
        });
        services.AddSingleton<PersonalData>();
        return services;
    }

    private static IEnumerable<string> PersonalDataRules(PersonalDataOptions options, IHostEnvironment environment)
    {
        if (string.IsNullOrEmpty(options.HashKey))
        {
            if (!environment.IsDevelopment())
                yield return $"HashKey: is required outside Development; set ENCONTACT__PersonalData__HashKey to a random secret of at least {PersonalDataOptions.MinKeyLength} characters, and keep it: erased addresses are recognised by it";
        }
        else if (options.HashKey.Length < PersonalDataOptions.MinKeyLength)
            yield return $"HashKey: is {options.HashKey.Length} characters long; use at least {PersonalDataOptions.MinKeyLength}";
    }

    public static IServiceCollection AddAdmin(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSectionOptions<AdminOptions>(AdminOptions.Section, admin => AdminRules(admin, environment));
        services.AddSingleton<IPostConfigureOptions<AdminOptions>, DevelopmentToken>();
        services.AddProblemDetails();
        // Enums in API answers are names ("sent-with-failures"), never numbers a reader must look up.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(
            new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower)));
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IConfiguration>((kestrel, configuration) =>
            {
                // Kestrel's options are built with the host, before the settings are checked, so the limit is read
                // without IOptions<AdminOptions> (whose validation would end the build with one section's problems);
                // a wrong value is reported with every other problem and nothing starts.
                kestrel.Limits.MaxRequestBodySize = long.TryParse(configuration[$"{AdminOptions.Section}:{nameof(AdminOptions.MaxRequestBodyBytes)}"],
                    System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var bytes) ? bytes : new AdminOptions().MaxRequestBodyBytes;
                kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
                kestrel.AddServerHeader = false;
            });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                return ValueTask.CompletedTask;
            };
            limiter.AddPolicy(PublicRateLimit, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.PublicRequestsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return services;
    }

    /// <summary>Behind the proxies of <see cref="AdminOptions.TrustedProxies"/>, the client address and scheme come from their forwarded headers.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        var proxies = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.TrustedProxies;
        if (proxies.Count == 0)
            return app;
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
        };
        forwarded.KnownIPNetworks.Clear();
        forwarded.KnownProxies.Clear();
        foreach (var proxy in proxies)
            forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
        app.UseForwardedHeaders(forwarded);
        return app;
    }

    private static IEnumerable<string> SiteRules(SiteOptions site)
    {
        if (!Uri.TryCreate(site.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            yield return $"BaseUrl: '{site.BaseUrl}' is not an absolute http(s) URL";
        if (!string.IsNullOrWhiteSpace(site.PrivacyUrl)
            && (!Uri.TryCreate(site.PrivacyUrl, UriKind.Absolute, out var privacy) || (privacy.Scheme != Uri.UriSchemeHttp && privacy.Scheme != Uri.UriSchemeHttps)))
            yield return $"PrivacyUrl: '{site.PrivacyUrl}' is not an absolute http(s) URL";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(site.TimeZone, out _))
            yield return $"TimeZone: '{site.TimeZone}' is not a known time zone (use an IANA name such as Europe/Paris)";
        if (!site.ArticleUrlTemplate.Contains("{slug}") && !site.ArticleUrlTemplate.Contains("{id}"))
            yield return $"ArticleUrlTemplate: '{site.ArticleUrlTemplate}' must contain {{slug}} or {{id}}";
        if (site.PostalAddress?.Any(char.IsControl) == true || site.PublisherName.Any(char.IsControl))
            yield return "PostalAddress and PublisherName: each must be a single line without control characters (the letter's footer shows them)";
    }

    private static IEnumerable<string> AdminRules(AdminOptions admin, IHostEnvironment environment)
    {
        for (var i = 0; i < admin.TrustedProxies.Count; i++)
            if (!System.Net.IPAddress.TryParse(admin.TrustedProxies[i], out _))
                yield return $"TrustedProxies:{i}: '{admin.TrustedProxies[i]}' is not an IP address";
        if (environment.IsDevelopment())
            yield break;
        if (string.IsNullOrWhiteSpace(admin.ApiToken))
            yield return "ApiToken: is required outside Development; set ENCONTACT__Admin__ApiToken to a random secret of at least 24 characters";
        else if (admin.ApiToken.Length < AdminOptions.MinTokenLength)
            yield return $"ApiToken: is {admin.ApiToken.Length} characters long; use at least {AdminOptions.MinTokenLength}";
    }

    /// <summary>In Development with no token set, a random token for this run, logged once at start-up.</summary>
    private sealed class DevelopmentToken(IHostEnvironment environment) : IPostConfigureOptions<AdminOptions>
    {
        public void PostConfigure(string? name, AdminOptions options)
        {
            if (environment.IsDevelopment() && string.IsNullOrWhiteSpace(options.ApiToken))
            {
                options.ApiToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
                options.TokenWasGenerated = true;
            }
        }
    }
}
