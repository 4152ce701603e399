using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EnContact.Syndication.Tests.Feeds;

/// <summary>
/// A WebSub hub on loopback (Kestrel) that records every publish notification with its User-Agent.
/// It can fail the first notifications, always fail some topics (503), or hold some topics' requests
/// open until the test releases them.
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Topic, string UserAgent)> _received = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new();
    private readonly HashSet<string> _failing;
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _toFail;
    private int _holding;

    private TestHub(WebApplication app, int failFirst, IEnumerable<string> failing)
    {
        _app = app;
        _toFail = failFirst;
        _failing = failing.ToHashSet();
    }

    private int _failures;

    public string Url => _app.Urls.First() + "/hub";
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Topics received (answered 204), in the order their requests completed.</summary>
    public IReadOnlyList<string> Topics => [.. _received.Select(r => r.Topic)];
    public IReadOnlyList<string> UserAgents => [.. _received.Select(r => r.UserAgent).Distinct()];

    /// <summary>Requests made for <paramref name="topic"/>, whatever the answer.</summary>
    public int AttemptsFor(string topic) => _attempts.GetValueOrDefault(topic);

    public static async Task<TestHub> StartAsync(int failFirst = 0, IEnumerable<string>? failing = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var hub = new TestHub(app, failFirst, failing ?? []);
        app.MapPost("/hub", hub.HandleAsync);
        await app.StartAsync();
        return hub;
    }

    /// <summary>Requests for <paramref name="topic"/> wait, open, until <see cref="Release"/>.</summary>
    public void Hold(string topic) => _held[topic] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release(string topic) => _held[topic].TrySetResult();

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        if (form["hub.mode"] != "publish")
            return Results.BadRequest();
        var topic = form["hub.url"].ToString();
        _attempts.AddOrUpdate(topic, 1, (_, n) => n + 1);
        if (_held.TryGetValue(topic, out var gate))
        {
            Interlocked.Increment(ref _holding);
            Signal();
            await gate.Task.WaitAsync(request.HttpContext.RequestAborted);
        }
        if (_failing.Contains(topic) || Interlocked.Decrement(ref _toFail) >= 0)
        {
            Interlocked.Increment(ref _failures);
            Signal();
            return Results.StatusCode(503);
        }
        _received.Enqueue((topic, request.Headers.UserAgent.ToString()));
        Signal();
        return Results.NoContent();
    }

    /// <summary>Waits (on each request, not on a timer; 30 s at most) until every topic of <paramref name="expected"/> was received.</summary>
    public Task<IReadOnlyList<string>> WaitForTopicsAsync(IEnumerable<string> expected)
    {
        var wanted = expected.ToHashSet();
        return WaitForAsync(() => wanted.IsSubsetOf(Topics) ? Topics : null);
    }

    /// <summary>Waits until <paramref name="count"/> requests are being held open at once.</summary>
    public Task<int?> WaitForHeldAsync(int count) => WaitForAsync(() => Volatile.Read(ref _holding) >= count ? (int?)_holding : null);

    /// <summary>Waits until the hub has answered <paramref name="count"/> failures.</summary>
    public Task<int?> WaitForFailuresAsync(int count) => WaitForAsync(() => Failures >= count ? (int?)Failures : null);

    private async Task<T> WaitForAsync<T>(Func<T?> probe)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
                changed = _changed.Task;
            if (probe() is { } found)
                return found;
            await changed.WaitAsync(limit.Token);
        }
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _held.Values)
            gate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
