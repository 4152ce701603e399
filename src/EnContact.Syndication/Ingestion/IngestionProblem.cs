namespace EnContact.Syndication.Ingestion;

/// <summary>A content file that could not be ingested: which, where, why, and since when. Its last good version (if any) stays published.</summary>
public sealed record IngestionProblem(string Source, int? Line, string Reason, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);
