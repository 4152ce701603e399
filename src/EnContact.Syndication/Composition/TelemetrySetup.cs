using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EnContact.Syndication.Composition;

/// <summary>
/// OpenTelemetry for the whole gateway: every feature's meter and activity source (each named
/// <c>EnContact.Syndication.&lt;Feature&gt;</c>), Polly's pipelines, ASP.NET Core's requests; a
/// Prometheus scrape endpoint and an OTLP exporter, each by setting. With both off nothing is
/// registered: the instruments record into nothing and cost a branch.
/// </summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";
    public const string ServiceName = "encontact-syndication";
    public const string MetricsScheme = "MetricsToken";
    public const string MetricsPolicy = "Metrics";

    /// <summary>Every feature's meter and activity source: a new feature's instruments are exported without a change here.</summary>
    private const string OurInstruments = "EnContact.Syndication.*";

    /// <summary>Polly's meter: attempts, retries, circuit transitions of the SMTP and WebSub pipelines.</summary>
    private const string PollyMeter = "Polly";

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSectionOptions<TelemetryOptions>(TelemetryOptions.Section, Rules);
        // What to register depends on the settings, which the container is not built to read yet; a wrong
        // value is reported by the start-up check (and nothing starts), so here it only counts as "off".
        var settings = ReadLeniently(configuration);
        var otlp = OtlpUri(settings.OtlpEndpoint);
        if (settings.Metrics == MetricsAccess.Off && otlp is null)
            return services;

        var version = typeof(TelemetrySetup).Assembly.GetName().Version?.ToString(3);
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: version));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(OurInstruments, PollyMeter).AddAspNetCoreInstrumentation();
            if (settings.Metrics != MetricsAccess.Off)
                // No cached answer: two scrapes a second apart must both see what happened between them.
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            if (otlp is not null)
                metrics.AddOtlpExporter(exporter => Point(exporter, otlp, settings.OtlpProtocol, "v1/metrics"));
        });
        if (otlp is not null)
            telemetry.WithTracing(tracing => tracing
                .AddSource(OurInstruments)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter(exporter => Point(exporter, otlp, settings.OtlpProtocol, "v1/traces")));

        if (settings.Metrics == MetricsAccess.Token)
        {
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, MetricsTokenHandler>(MetricsScheme, null);
            services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, policy => policy.AddAuthenticationSchemes(MetricsScheme).RequireAuthenticatedUser());
        }
        return services;
    }

    /// <summary>Maps <c>/metrics</c> unless metrics are off (then it is an unknown path: 404).</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.Metrics;
        if (access == MetricsAccess.Off)
            return app;
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (access == MetricsAccess.Token)
            endpoint.RequireAuthorization(MetricsPolicy);
        return app;
    }

    private static IEnumerable<string> Rules(TelemetryOptions telemetry, IServiceProvider services)
    {
        if (telemetry.Metrics == MetricsAccess.Token)
        {
            if (string.IsNullOrWhiteSpace(telemetry.MetricsToken))
                yield return $"MetricsToken: is required when Telemetry:Metrics is Token; set ENCONTACT__Telemetry__MetricsToken to a random secret of at least {TelemetryOptions.MinTokenLength} characters";
            else if (telemetry.MetricsToken.Length < TelemetryOptions.MinTokenLength)
                yield return $"MetricsToken: is {telemetry.MetricsToken.Length} characters long; use at least {TelemetryOptions.MinTokenLength}";
            else if (telemetry.MetricsToken == services.GetRequiredService<IOptions<AdminOptions>>().Value.ApiToken)
                yield return "MetricsToken: must not be Admin:ApiToken (a scraper's configuration must not be able to change articles); choose another secret";
        }
        if (!string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint) && OtlpUri(telemetry.OtlpEndpoint) is null)
            yield return $"OtlpEndpoint: '{telemetry.OtlpEndpoint}' is not an absolute http(s) URL such as http://otel-collector:4317 (empty: no export)";
    }

    private static TelemetryOptions ReadLeniently(IConfiguration configuration)
    {
        var settings = new TelemetryOptions();
        try
        {
            configuration.GetSection(TelemetryOptions.Section).Bind(settings);
        }
        catch (InvalidOperationException)
        {
        }
        return settings;
    }

    private static Uri? OtlpUri(string? endpoint) =>
        !string.IsNullOrWhiteSpace(endpoint) && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(uri.Host)
            ? uri : null;

    /// <summary>An endpoint set in code is used as given: over HTTP the exporter does not add the signal's path itself.</summary>
    private static void Point(OtlpExporterOptions exporter, Uri endpoint, OtlpTransport transport, string signalPath)
    {
        exporter.Protocol = transport == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        exporter.Endpoint = transport == OtlpTransport.Grpc ? endpoint : new Uri(new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), signalPath);
    }

    /// <summary>The scrape token as an authentication scheme, so <c>/metrics</c> is guarded by the same middleware as the admin API.</summary>
    private sealed class MetricsTokenHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, System.Text.Encodings.Web.UrlEncoder encoder, IOptions<TelemetryOptions> telemetry)
        : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
    {
        private static readonly System.Security.Claims.ClaimsPrincipal Scraper =
            new(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "metrics-scraper")], MetricsScheme));

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(AdminAuthentication.IsAuthorized(Request.Headers.Authorization.ToString(), telemetry.Value.MetricsToken)
                ? AuthenticateResult.Success(new AuthenticationTicket(Scraper, MetricsScheme))
                : AuthenticateResult.NoResult());

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer realm=\"encontact-metrics\"";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "Send the scrape token as 'Authorization: Bearer <token>' (setting Telemetry:MetricsToken).").ExecuteAsync(Context);
        }
    }
}
