using System.Diagnostics;

namespace EnContact.Syndication.Digests;

/// <summary>The digests' traces (source <see cref="SourceName"/>): an edition's queuing, one span from the first subscriber read to the last outbox row.</summary>
public static class DigestTelemetry
{
    public const string SourceName = "EnContact.Syndication.Digests";

    internal static readonly ActivitySource Activities = new(SourceName);
}
