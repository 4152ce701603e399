using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Composition;

/// <summary>Who may read the Prometheus scrape endpoint <c>/metrics</c>.</summary>
public enum MetricsAccess
{
    /// <summary>No endpoint (404), and no metrics are collected unless OTLP export is on.</summary>
    Off,
    /// <summary>Only a request carrying <see cref="TelemetryOptions.MetricsToken"/> as a bearer token; others get 401.</summary>
    Token,
    /// <summary>Anyone who reaches the port: for a gateway whose port only the monitoring network reaches.</summary>
    Open,
}

/// <summary>How spans and metrics travel to the OpenTelemetry collector.</summary>
public enum OtlpTransport
{
    /// <summary>OTLP over gRPC (a collector's port 4317).</summary>
    Grpc,
    /// <summary>OTLP over HTTP with protobuf bodies (port 4318); the gateway adds <c>/v1/traces</c> and <c>/v1/metrics</c> to the endpoint.</summary>
    HttpProtobuf,
}

/// <summary>Metrics and traces (OpenTelemetry). Section <c>Telemetry</c>. See docs/operations-metrics.md.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";
    public const int MinTokenLength = 24;

    /// <summary>The Prometheus endpoint <c>/metrics</c>: <c>Off</c>, <c>Token</c> or <c>Open</c>. Default <c>Off</c>.</summary>
    public MetricsAccess Metrics { get; set; } = MetricsAccess.Off;

    /// <summary>
    /// The bearer token a scraper sends when <see cref="Metrics"/> is <c>Token</c> (at least 24
    /// characters, and not the admin token: whoever holds a scrape configuration must not be able to
    /// write articles). Default none.
    /// </summary>
    [Secret]
    public string? MetricsToken { get; set; }

    /// <summary>The OpenTelemetry collector that receives traces and metrics (e.g. <c>http://otel-collector:4317</c>); empty: no export, no traces. Default none.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How OTLP is sent: <c>Grpc</c> or <c>HttpProtobuf</c>. Default <c>Grpc</c>.</summary>
    public OtlpTransport OtlpProtocol { get; set; } = OtlpTransport.Grpc;
}
