using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>What the content-folder worker is doing and how its last scan ended, for <c>/healthz</c>.</summary>
public sealed class IngestionHealth(TimeProvider time, IOptions<IngestionOptions> options) : IHealthCheck
{
    private readonly Lock _lock = new();
    private DateTimeOffset _createdAt = time.GetUtcNow();
    private DateTimeOffset? _runningSince;
    private DateTimeOffset? _lastCompleted;
    private (DateTimeOffset At, string Reason)? _lastFailure;
    private bool _folderMissing;
    private string? _leader;

    public void ScanStarted()
    {
        lock (_lock)
            _runningSince = time.GetUtcNow();
    }

    public void ScanCompleted()
    {
        lock (_lock)
            (_runningSince, _lastCompleted, _lastFailure, _folderMissing) = (null, time.GetUtcNow(), null, false);
    }

    public void ScanFailed(string reason)
    {
        lock (_lock)
            (_runningSince, _lastFailure) = (null, (time.GetUtcNow(), reason));
    }

    public void FolderMissing()
    {
        lock (_lock)
            (_runningSince, _folderMissing) = (null, true);
    }

    /// <summary>Another gateway process watches the content folder; this one stands by (<paramref name="why"/>).</summary>
    public void StandingBy(string why)
    {
        lock (_lock)
            (_runningSince, _leader) = (null, why);
    }

    /// <summary>This process watches the content folder from now on.</summary>
    public void Leading()
    {
        lock (_lock)
            (_leader, _createdAt) = (null, time.GetUtcNow());
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (!settings.Enabled)
            return Task.FromResult(HealthCheckResult.Healthy("content folder ingestion is disabled"));
        var now = time.GetUtcNow();
        lock (_lock)
        {
            HealthCheckResult result;
            if (_leader is { } standingBy)
                result = HealthCheckResult.Healthy(standingBy);
            else if (_runningSince is { } since && now - since > settings.ScanTimeout)
                result = HealthCheckResult.Unhealthy($"a scan of the content folder has been running since {since:u}, longer than Ingestion:ScanTimeout ({settings.ScanTimeout})");
            else if (_folderMissing)
                result = HealthCheckResult.Unhealthy("the content folder does not exist (Ingestion:ContentPath)");
            else if (_lastFailure is { } failure)
                result = HealthCheckResult.Unhealthy($"the last scan of the content folder, at {failure.At:u}, failed: {failure.Reason}");
            else if (now - (_lastCompleted ?? _createdAt) > settings.RescanInterval + settings.ScanTimeout && _runningSince is null)
                result = HealthCheckResult.Unhealthy($"no scan of the content folder has completed since {(_lastCompleted ?? _createdAt):u}; the worker may have stopped");
            else
                result = HealthCheckResult.Healthy(_lastCompleted is { } at ? $"last scan completed at {at:u}" : "first scan in progress");
            return Task.FromResult(result);
        }
    }
}
