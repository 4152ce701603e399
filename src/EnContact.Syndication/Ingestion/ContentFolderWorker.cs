using System.Threading.Channels;
using EnContact.Syndication.Storage;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Ingestion;

/// <summary>
/// Keeps the store in line with the content folder: a full scan at start, a scan of the changed
/// paths shortly after the file system reports a change (bursts are merged), and a periodic full
/// rescan as the safety net for events the watcher missed. With several gateway processes on one
/// database, one of them leads and watches; the others stand by and take over when it stops.
/// </summary>
public sealed class ContentFolderWorker(
    Database database,
    ContentScanner scanner,
    IngestionHealth health,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<ContentFolderWorker> logger) : BackgroundService
{
    private const string FullRescan = "";
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _initialScan = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The role that one gateway process at a time holds.</summary>
    public const string Role = "content-folder";

    /// <summary>How often a process standing by tries to take the lead, and a leader checks it still holds it.</summary>
    public static readonly TimeSpan LeadCheckInterval = LeadershipLoop.CheckInterval;

    /// <summary>Completes once the start-up scan has finished (or was skipped, or another process leads).</summary>
    public Task InitialScan => _initialScan.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("Content folder ingestion is disabled (Ingestion:Enabled = false)");
            _initialScan.TrySetResult();
            return;
        }

        await new LeadershipLoop(database, time, logger, new LeadRole(Role, "watches the content folder")).RunAsync(
            WatchAsync,
            health.ScanFailed,
            () =>
            {
                health.StandingBy("another gateway process watches the content folder; this one stands by");
                _initialScan.TrySetResult();
            },
            health.Leading,
            stoppingToken);
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var root = settings.ContentPath;
        await ScanAsync(root, ScanMode.Full, null, stoppingToken);
        _initialScan.TrySetResult();

        FileSystemWatcher? watcher = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A folder created after start-up is watched from the first round that finds it.
                if (watcher is null && settings.Watch && Directory.Exists(root))
                    watcher = StartWatcher(root);
                await WaitAndScanAsync(root, settings, stoppingToken);
            }
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    private async Task WaitAndScanAsync(string root, IngestionOptions settings, CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var rescanDue = Task.Delay(settings.RescanInterval, time, wake.Token);
        var changed = _changes.Reader.WaitToReadAsync(wake.Token).AsTask();
        try
        {
            await Task.WhenAny(rescanDue, changed);
        }
        finally
        {
            await wake.CancelAsync();
        }
        stoppingToken.ThrowIfCancellationRequested();

        if (changed.IsCompletedSuccessfully)
        {
            // Let a burst of saves settle, then take everything that arrived.
            await Task.Delay(settings.DebounceDelay, time, stoppingToken);
            var paths = new HashSet<string>(StringComparer.Ordinal);
            while (_changes.Reader.TryRead(out var path))
                paths.Add(path);
            if (paths.Contains(FullRescan))
                await ScanAsync(root, ScanMode.Full, null, stoppingToken);
            else
                await ScanAsync(root, ScanMode.Changes, paths, stoppingToken);
        }
        else
        {
            await ScanAsync(root, ScanMode.Full, null, stoppingToken);
        }
    }

    private async Task ScanAsync(string root, ScanMode mode, IReadOnlyCollection<string>? paths, CancellationToken stoppingToken)
    {
        if (!Directory.Exists(root))
        {
            logger.LogWarning("Content folder {Root} does not exist; nothing to ingest (set Ingestion:ContentPath)", root);
            health.FolderMissing();
            return;
        }
        // A scan that overruns is stopped (each committed batch stays; the one in progress rolls back) and reported.
        using var limit = new CancellationTokenSource(options.Value.ScanTimeout, time);
        using var scan = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, limit.Token);
        health.ScanStarted();
        logger.LogDebug("Scanning {Root} ({Mode})", root, mode);
        try
        {
            await scanner.ScanAsync(root, mode, paths, scan.Token);
            health.ScanCompleted();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            logger.LogError("Scan of {Root} ({Mode}) stopped after Ingestion:ScanTimeout ({Timeout}); the next change or rescan will try again", root, mode, options.Value.ScanTimeout);
            health.ScanFailed($"stopped after running longer than Ingestion:ScanTimeout ({options.Value.ScanTimeout})");
        }
        catch (Exception e)
        {
            // A failed scan (disk, database lock) is retried by the next event or rescan; the worker stays up, /healthz says why.
            logger.LogError(e, "Scan of {Root} ({Mode}) failed; the next change or rescan will try again", root, mode);
            health.ScanFailed(e.Message);
        }
    }

    private FileSystemWatcher StartWatcher(string root)
    {
        var watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        watcher.Changed += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        watcher.Deleted += (_, e) => _changes.Writer.TryWrite(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            _changes.Writer.TryWrite(e.OldFullPath);
            _changes.Writer.TryWrite(e.FullPath);
        };
        watcher.Error += (_, e) =>
        {
            logger.LogWarning(e.GetException(), "The content folder watcher lost events; a full rescan follows");
            _changes.Writer.TryWrite(FullRescan);
        };
        watcher.EnableRaisingEvents = true;
        logger.LogInformation("Watching {Root} for changes; full rescan every {Interval}", root, options.Value.RescanInterval);
        return watcher;
    }
}
