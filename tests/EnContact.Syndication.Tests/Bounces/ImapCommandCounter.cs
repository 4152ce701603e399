using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EnContact.Syndication.Tests.Bounces;

/// <summary>
/// A loopback TCP relay in front of the test IMAP server that notes the name of every command the
/// client sends ("SELECT", "UID FETCH", "UID MOVE") before passing it on, so a test can tell how many
/// round trips the reader made. Plain IMAP only (the test server has no TLS).
/// </summary>
public sealed class ImapCommandCounter : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ConcurrentBag<Task> _relays = [];
    private readonly Task _accepting;

    public ImapCommandCounter(string host, int port)
    {
        _listener.Start();
        _accepting = AcceptAsync(host, port);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every command's name so far, in the order the client sent them.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    private async Task AcceptAsync(string host, int port)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(host, port, _stop.Token);
                _relays.Add(RelayAsync(client, server));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        using (client)
        using (server)
        {
            var up = CopyAsync(client.GetStream(), server.GetStream(), noteCommands: true);
            var down = CopyAsync(server.GetStream(), client.GetStream(), noteCommands: false);
            await Task.WhenAny(up, down);
            // One side hung up: so does the other.
            client.Close();
            server.Close();
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool noteCommands)
    {
        var buffer = new byte[16 * 1024];
        var line = new StringBuilder();
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (noteCommands)
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b != '\n')
                    {
                        line.Append((char)b);
                        continue;
                    }
                    // "tag NAME args" or "tag UID NAME args"
                    var words = line.ToString().TrimEnd('\r').Split(' ');
                    if (words.Length >= 2)
                        _commands.Enqueue(words[1].Equals("UID", StringComparison.OrdinalIgnoreCase) && words.Length >= 3
                            ? $"UID {words[2].ToUpperInvariant()}" : words[1].ToUpperInvariant());
                    line.Clear();
                }
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_relays).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
