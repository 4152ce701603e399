using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// A real IMAP server for one test: Debian's Dovecot (package <c>dovecot-imapd</c>), started as a
/// process of its own with its own configuration, sockets, state and maildir in a temp folder,
/// listening on 127.0.0.1 on a free port, without TLS (or, given a certificate, with TLS required: STARTTLS
/// on that port and TLS from the first byte on <see cref="TlsPort"/>), with one throwaway user. The package's system
/// service is never used. The binary is <c>/usr/sbin/dovecot</c>, or the one
/// <c>ENCONTACT_TEST_DOVECOT</c> names; without it the tests fail and say how to install it.
/// Run as root (CI), Dovecot's own processes run as the package's users and the mail as nobody;
/// otherwise everything runs as the current user.
/// </summary>
public sealed class TestDovecot : IAsyncDisposable
{
    public const string Variable = "ENCONTACT_TEST_DOVECOT";
    public const string User = "bounces@en-contact.com";
    public const string Password = "dovecot-test-password";

    /// <summary>Guards every wait so that a broken test fails instead of hanging.</summary>
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _folder = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _logChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _binary;
    private readonly TestCertificate? _tls;
    private Process? _process;

    private TestDovecot(string binary, int port, TestCertificate? tls)
    {
        _binary = binary;
        Port = port;
        _tls = tls;
        TlsPort = tls is null ? null : FreePort();
    }

    public string Host => "127.0.0.1";

    /// <summary>The port, kept across <see cref="StopAsync"/>/<see cref="StartAsync"/>.</summary>
    public int Port { get; }

    /// <summary>With a certificate: the port that speaks TLS from the first byte (IMAPS).</summary>
    public int? TlsPort { get; }

    public string ConfigPath => _folder.Combine("dovecot.conf");

    /// <summary>Every line Dovecot logged so far (logins, disconnections with their byte counts, errors).</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>
    /// Starts a Dovecot. <paramref name="capabilities"/> replaces what it advertises after login (to
    /// play a server without IDLE or MOVE); null keeps Dovecot's own list. With <paramref name="tls"/>,
    /// the server presents that certificate and refuses to log anyone in without TLS.
    /// </summary>
    public static async Task<TestDovecot> StartNewAsync(string? capabilities = null, TestCertificate? tls = null)
    {
        var binary = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(binary))
            binary = "/usr/sbin/dovecot";
        if (!File.Exists(binary))
            throw new InvalidOperationException(
                $"No Dovecot for the IMAP tests: {binary} does not exist. Install it with: sudo apt-get install -y dovecot-imapd " +
                $"(its system service need not run: the tests start their own), or set {Variable} to a dovecot 2.3 binary.");
        var dovecot = new TestDovecot(binary, FreePort(), tls);
        await dovecot.WriteConfigurationAsync(capabilities);
        await dovecot.StartAsync();
        return dovecot;
    }

    /// <summary>The gateway's settings for this server's mailbox.</summary>
    public Dictionary<string, string?> GatewaySettings(string? password = null) => new()
    {
        ["Bounces:Imap:Host"] = Host,
        ["Bounces:Imap:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bounces:Imap:Security"] = "None",
        ["Bounces:Imap:User"] = User,
        ["Bounces:Imap:Password"] = password ?? Password,
    };

    /// <summary>(Re)starts the server on the same port and folder; returns once it listens.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("Dovecot is already running");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(_binary, ["-c", ConfigPath, "-F"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            Add(e.Data);
            if (e.Data.Contains("starting up", StringComparison.Ordinal))
                started.TrySetResult();
            else if (e.Data.Contains("Fatal:", StringComparison.Ordinal))
                started.TrySetException(new InvalidOperationException("Dovecot could not start: " + e.Data));
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                Add(e.Data);
        };
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException("Dovecot stopped at once:\n" + string.Join("\n", _log)));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await started.Task.WaitAsync(WaitLimit);
        // The master logs "starting up" once its listeners are open; the first login proves the rest (auth, mail storage).
        using var client = await ConnectAsync();
    }

    /// <summary>Stops the server the way an operator would (<c>dovecot stop</c>): every open connection is closed.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
            return;
        using (var stop = Process.Start(new ProcessStartInfo(_binary, ["-c", ConfigPath, "stop"]) { RedirectStandardError = true, UseShellExecute = false })!)
            await stop.WaitForExitAsync().WaitAsync(WaitLimit);
        await process.WaitForExitAsync().WaitAsync(WaitLimit);
    }

    /// <summary>A logged-in client of the test user (over TLS, trusting exactly the server's certificate, when the server has one).</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        try
        {
            if (_tls is { } tls)
            {
                client.ServerCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == tls.Certificate.GetCertHashString();
                await client.ConnectAsync(Host, TlsPort!.Value, SecureSocketOptions.SslOnConnect);
            }
            else
                await client.ConnectAsync(Host, Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(User, Password);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Puts messages into a folder with IMAP APPEND, in this order.</summary>
    public async Task AppendAsync(params MimeMessage[] messages) => await AppendToAsync("INBOX", messages);

    public async Task AppendToAsync(string folder, params MimeMessage[] messages)
    {
        using var client = await ConnectAsync();
        var target = await client.GetFolderAsync(folder);
        foreach (var message in messages)
            await target.AppendAsync(message);
        await client.DisconnectAsync(true);
    }

    /// <summary>The Message-IDs in <paramref name="folder"/>, oldest first (empty when the folder does not exist).</summary>
    public async Task<IReadOnlyList<string>> MessageIdsAsync(string folder, bool withDeleted = false)
    {
        using var client = await ConnectAsync();
        IMailFolder target;
        try
        {
            target = await client.GetFolderAsync(folder);
        }
        catch (FolderNotFoundException)
        {
            return [];
        }
        await target.OpenAsync(FolderAccess.ReadOnly);
        var uids = await target.SearchAsync(withDeleted ? SearchQuery.All : SearchQuery.NotDeleted);
        if (uids.Count == 0)
            return [];
        var summaries = await target.FetchAsync(uids, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope);
        await client.DisconnectAsync(true);
        return [.. summaries.OrderBy(s => s.UniqueId.Id).Select(s => s.Envelope?.MessageId ?? "(none)")];
    }

    /// <summary>Waits (on each new log line, at most 30 s) for a line of Dovecot's log that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForLogAsync(Func<string, bool> match) =>
        (await WaitForLogAsync(lines => lines.Any(match))).First(match);

    /// <summary>Waits (on each new log line, at most 30 s) until the whole log so far satisfies <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<string>> WaitForLogAsync(Func<IReadOnlyList<string>, bool> done)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (true)
        {
            Task changed;
            lock (_lock)
                changed = _logChanged.Task;
            var lines = Log;
            if (done(lines))
                return lines;
            try
            {
                await changed.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException("Dovecot never logged the line looked for; its log:\n" + string.Join("\n", _log));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_process is { HasExited: false } process)
                process.Kill(entireProcessTree: true);
            _process?.Dispose();
            _folder.Dispose();
        }
    }

    private void Add(string line)
    {
        _log.Enqueue(line);
        TaskCompletionSource previous;
        lock (_lock)
            (previous, _logChanged) = (_logChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    private async Task WriteConfigurationAsync(string? capabilities)
    {
        var root = _folder.Path;
        var mail = Directory.CreateDirectory(_folder.Combine("mail")).FullName;
        Directory.CreateDirectory(_folder.Combine("run"));
        Directory.CreateDirectory(_folder.Combine("state"));

        // Dovecot runs its helper processes as "internal" and "login" users and the mail as the user's
        // uid. Run as root it may switch to any of them, but never reads mail as root: the package's
        // users for itself, nobody for the mail (whose folder must then be writable by it). Otherwise
        // it cannot switch at all, so every one of them is the current user.
        var asRoot = await IdAsync("-u") == "0";
        string internalUser, internalGroup, loginUser, mailUid, mailGid;
        if (asRoot)
        {
            var packageUsers = await IdAsync("-u", "dovecot") is not null && await IdAsync("-u", "dovenull") is not null;
            (internalUser, loginUser) = packageUsers ? ("dovecot", "dovenull") : ("nobody", "nobody");
            internalGroup = (await IdAsync("-gn", internalUser))!;
            mailUid = (await IdAsync("-u", "nobody"))!;
            mailGid = (await IdAsync("-g", "nobody"))!;
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(mail, (UnixFileMode)0x1FF); // rwxrwxrwx: nobody writes the maildir under it
        }
        else
        {
            internalUser = loginUser = (await IdAsync("-un"))!;
            internalGroup = (await IdAsync("-gn"))!;
            mailUid = (await IdAsync("-u"))!;
            mailGid = (await IdAsync("-g"))!;
        }

        var passwd = _folder.Combine("passwd");
        await File.WriteAllTextAsync(passwd, $"{User}:{{PLAIN}}{Password}:{mailUid}:{mailGid}::{mail}/home::\n");
        var capabilityLine = capabilities is null ? "" : $"imap_capability = {capabilities}\n";
        var sslLines = _tls is null ? "ssl = no" : $"ssl = required\nssl_cert = <{_tls.CertificatePath}\nssl_key = <{_tls.KeyPath}";
        var imapsListener = _tls is null ? "port = 0" : $"address = 127.0.0.1\n    port = {TlsPort}\n    ssl = yes";
        await File.WriteAllTextAsync(ConfigPath, $$"""
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            log_path = /dev/stderr
            protocols = imap
            listen = 127.0.0.1
            {{sslLines}}
            disable_plaintext_auth = no
            auth_mechanisms = plain
            auth_failure_delay = 0
            default_internal_user = {{internalUser}}
            default_internal_group = {{internalGroup}}
            default_login_user = {{loginUser}}
            first_valid_uid = 1
            first_valid_gid = 1
            mail_location = maildir:{{mail}}/%u
            {{capabilityLine}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{passwd}}
            }
            userdb {
              driver = passwd-file
              args = username_format=%u {{passwd}}
            }
            # chroot needs root; the run folder is this test's own anyway.
            service anvil {
              chroot =
            }
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = {{Port}}
              }
              inet_listener imaps {
                {{imapsListener}}
              }
            }
            """);
    }

    /// <summary><c>id</c>'s answer (null when it fails, e.g. no such user).</summary>
    private static async Task<string?> IdAsync(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("id", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output.Trim() : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
