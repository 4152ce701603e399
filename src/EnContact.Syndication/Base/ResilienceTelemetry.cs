using Polly;
using Polly.Telemetry;

namespace EnContact.Syndication.Base;

/// <summary>
/// Polly's own telemetry for a resilience pipeline: its metrics (meter "Polly": attempts, retries,
/// circuit transitions, durations, tagged with the pipeline's name) and its logs (category "Polly").
/// Each pipeline already logs what an operator must see (a retry, the circuit opening) in its own
/// words, so Polly's copies of those events are logged at Debug rather than twice at Warning.
/// </summary>
public static class ResilienceTelemetry
{
    public static TBuilder WithTelemetry<TBuilder>(this TBuilder builder, string name, ILoggerFactory loggers)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        builder.Name = name;
        return builder.ConfigureTelemetry(new TelemetryOptions
        {
            LoggerFactory = loggers,
            SeverityProvider = _ => ResilienceEventSeverity.Debug,
        });
    }
}
