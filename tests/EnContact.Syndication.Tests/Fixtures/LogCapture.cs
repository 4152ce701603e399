using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>Keeps every log line the gateway writes, at every level, rendered as an operator would read it.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <summary>Waits (on each new line, not on a timer; at most 30 s) for a line that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
                changed = _changed.Task;
            if (_lines.FirstOrDefault(match) is { } line)
                return line;
            await changed.WaitAsync(limit.Token);
        }
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        TaskCompletionSource previous;
        lock (_lock)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous.TrySetResult();
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
