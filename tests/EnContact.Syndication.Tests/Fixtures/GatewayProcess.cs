using System.Collections.Concurrent;
using System.Diagnostics;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// The built gateway run as a real process in a working folder, with what a Production operator
/// must give it (token, secrets, public URLs) set through <c>ENCONTACT__</c> variables; a test adds,
/// replaces or (with a null value) removes variables.
/// </summary>
public static class GatewayProcess
{
    public const string Token = "cli-test-token-0123456789abcdef";
    public const string FeedsUrl = "https://flux.en-contact.com/";

    /// <summary>Runs one verb to its end (60 s at most, as a failure detector).</summary>
    public static Task<(int Code, string Output, string Error)> RunAsync(string workingDirectory, (string Name, string? Value)[] environment, params string[] args) =>
        RunWithInputAsync(workingDirectory, environment, null, args);

    /// <summary>Runs one verb with <paramref name="input"/> as its standard input (closed after it; none when null).</summary>
    public static async Task<(int Code, string Output, string Error)> RunWithInputAsync(string workingDirectory, (string Name, string? Value)[] environment, string? input, params string[] args)
    {
        var start = StartInfo(workingDirectory, environment, args);
        start.RedirectStandardInput = input is not null;
        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"'{string.Join(' ', args)}' did not exit within a minute");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Starts <c>serve</c> (or <paramref name="args"/>) and returns once a line of its output satisfies <paramref name="ready"/>.</summary>
    public static async Task<Serving> ServeAsync(string workingDirectory, (string Name, string? Value)[] environment, Func<string, bool> ready, params string[] args)
    {
        var serving = new Serving(Process.Start(StartInfo(workingDirectory, environment, args.Length == 0 ? ["serve"] : args))!, ready);
        try
        {
            await serving.Ready.WaitAsync(TimeSpan.FromSeconds(120));
            return serving;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await serving.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"serve never wrote the expected line ({e.Message}); output:\n{string.Join('\n', serving.Output)}\nerrors:\n{string.Join('\n', serving.Errors)}");
        }
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, (string Name, string? Value)[] environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "EnContact.Syndication.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        // Hermetic: nothing the machine (or a container image) sets may choose the environment or the listen address.
        foreach (var key in start.Environment.Keys.Where(IsInherited).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ENCONTACT__Admin__ApiToken"] = Token;
        start.Environment["ENCONTACT__Ingestion__Enabled"] = "false";
        start.Environment["ENCONTACT__Templates__Path"] = Path.Combine(AppContext.BaseDirectory, "templates");
        start.Environment["ENCONTACT__Subscribers__TokenSecret"] = Gateway.LinkSecret;
        start.Environment["ENCONTACT__PersonalData__HashKey"] = Gateway.HashKey;
        start.Environment["ENCONTACT__Members__FeedTokenSecret"] = Gateway.MemberFeedSecret;
        start.Environment["ENCONTACT__Subscribers__PublicUrl"] = Gateway.PublicUrl;
        start.Environment["ENCONTACT__Feeds__PublicUrl"] = FeedsUrl;
        start.Environment["ENCONTACT__Kestrel__Endpoints__Http__Url"] = "http://127.0.0.1:0";
        foreach (var (name, value) in environment)
        {
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        return start;
    }

    private static bool IsInherited(string key) =>
        key.StartsWith("ENCONTACT__", StringComparison.Ordinal) || key.EndsWith("_ENVIRONMENT", StringComparison.Ordinal)
        || key is "ASPNETCORE_URLS" or "DOTNET_URLS" or "ASPNETCORE_HTTP_PORTS" or "DOTNET_HTTP_PORTS" or "ASPNETCORE_HTTPS_PORTS" or "DOTNET_HTTPS_PORTS";

    /// <summary>A running gateway process; disposing it kills it.</summary>
    public sealed class Serving : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();
        private readonly ConcurrentQueue<string> _errors = new();
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Serving(Process process, Func<string, bool> ready)
        {
            _process = process;
            ProcessId = process.Id;
            process.OutputDataReceived += (_, e) => Add(_output, e.Data, ready);
            process.ErrorDataReceived += (_, e) => Add(_errors, e.Data, ready);
            process.EnableRaisingEvents = true;
            process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"the process exited with code {process.ExitCode}"));
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Output => [.. _output];

        /// <summary>The gateway's own process id (what its outbox claims carry: machine/pid/instance).</summary>
        public int ProcessId { get; }

        /// <summary>
        /// <c>kill -9</c>: the process gets no chance to finish a send, settle a claim or say goodbye to
        /// the database or the relay, as when a host dies.
        /// </summary>
        public async Task KillAsync()
        {
            _process.Kill(entireProcessTree: false); // SIGKILL on Linux
            await _process.WaitForExitAsync();
        }

        public IReadOnlyList<string> Errors => [.. _errors];
        internal Task Ready => _ready.Task;

        private void Add(ConcurrentQueue<string> lines, string? line, Func<string, bool> ready)
        {
            if (line is null)
                return;
            lines.Enqueue(line);
            if (ready(line))
                _ready.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
