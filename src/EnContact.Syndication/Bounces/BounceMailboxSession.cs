using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace EnContact.Syndication.Bounces;

/// <summary>
/// One connection to the bounce mailbox: log in, make sure the two filing folders exist, then file
/// every message of the folder, oldest first, and wait for more (IDLE when the server offers it,
/// polling otherwise). Any failure of the connection is thrown to the worker, which reconnects.
/// </summary>
internal sealed class BounceMailboxSession(
    BounceMailboxOptions settings,
    Func<MimeMessage, CancellationToken, Task<BounceMailVerdict>> handle,
    BounceMailboxHealth health,
    TimeProvider time,
    ILogger logger) : IAsyncDisposable
{
    /// <summary>Summaries fetched per command: a folder left to fill up for weeks is read in pieces.</summary>
    private const int SummaryBatch = 200;

    private readonly ImapCertificateTrust _trust = new(settings.TrustedCertificatePath);
    private ImapClient? _client;
    private IMailFolder? _folder, _processed, _review;
    private int _lastCount;
    private volatile bool _newMail;
    private bool _warnedNoUidPlus;

    public bool IsReady => _client is { IsConnected: true, IsAuthenticated: true } && _folder is { IsOpen: true };

    /// <summary>Connects, logs in, creates the filing folders when missing and opens the folder.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await DropAsync();
        health.Connecting();
        var client = new ImapClient { ServerCertificateValidationCallback = _trust.Validate };
        _client = client;
        try
        {
            await client.ConnectAsync(settings.Host!, settings.Port, settings.Security switch
            {
                ImapSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                ImapSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            }, cancellationToken);
        }
        catch (SslHandshakeException e) when (_trust.Refusal is { } refusal)
        {
            logger.LogWarning("The bounce mailbox's server {Host}:{Port} presented a certificate for {Subject}, issued by {Issuer}, SHA-256 {Fingerprint}: refused",
                settings.Host, settings.Port, _trust.Refused?.Subject, _trust.Refused?.Issuer, _trust.Refused?.Fingerprint);
            throw new ImapCertificateRefusedException(refusal, e);
        }
        await client.AuthenticateAsync(settings.User!, settings.Password!, cancellationToken);
        _processed = await EnsureFolderAsync(client, settings.ProcessedFolder, cancellationToken);
        _review = await EnsureFolderAsync(client, settings.ReviewFolder, cancellationToken);
        var folder = string.Equals(settings.Folder, "INBOX", StringComparison.OrdinalIgnoreCase)
            ? client.Inbox
            : await client.GetFolderAsync(settings.Folder, cancellationToken);
        // Arrivals are noticed whatever command is running, so a message that lands between the last
        // search and the next IDLE is not left waiting for the refresh.
        folder.CountChanged += (_, _) =>
        {
            var count = folder.Count;
            if (count > _lastCount)
                _newMail = true;
            _lastCount = count;
        };
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        _lastCount = folder.Count;
        _folder = folder;
        health.Connected();
        logger.LogInformation("Reading the bounce mailbox {User} at {Host}:{Port}, folder {Folder} (IDLE: {Idle}, MOVE: {Move})",
            settings.User, settings.Host, settings.Port, settings.Folder,
            client.Capabilities.HasFlag(ImapCapabilities.Idle), client.Capabilities.HasFlag(ImapCapabilities.Move));
    }

    /// <summary>
    /// Files every message now in the folder, oldest first: each batch of up to
    /// <see cref="SummaryBatch"/> messages is handled one message at a time, then moved with one command
    /// per destination (a server may rescan the whole folder after each move: one move per message made
    /// a folder of thousands cost the server in proportion to its size for every message). The folder
    /// is checked for stopping only between messages: the messages in hand are handled and moved with
    /// <paramref name="messageToken"/>, which only a forced shutdown cancels.
    /// </summary>
    public async Task FileAllAsync(CancellationToken cancellationToken, CancellationToken messageToken)
    {
        var folder = _folder ?? throw new InvalidOperationException("the session is not open");
        _newMail = false;
        // Not the ones flagged \Deleted: without MOVE or UIDPLUS a filed message stays behind, flagged (see MoveAsync).
        var uids = await folder.SearchAsync(SearchQuery.NotDeleted, cancellationToken);
        health.Checked();
        foreach (var batch in uids.OrderBy(u => u.Id).Chunk(SummaryBatch))
        {
            var summaries = await folder.FetchAsync(batch, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Envelope, cancellationToken);
            var judged = new List<Judged>(summaries.Count);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                if (cancellationToken.IsCancellationRequested)
                    break;
                judged.Add(await JudgeAsync(folder, summary, messageToken));
            }
            await FileAsync(folder, judged, messageToken);
            if (cancellationToken.IsCancellationRequested)
                return;
        }
    }

    /// <summary>A message handled (or refused unread) and where it goes.</summary>
    private sealed record Judged(UniqueId Uid, string MessageId, BounceMailVerdict Verdict);

    /// <summary>Returns when new mail may have arrived, the IDLE refresh is due, or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task WaitForMailAsync(CancellationToken cancellationToken, CancellationToken forcedStop)
    {
        var client = _client ?? throw new InvalidOperationException("the session is not open");
        if (_newMail)
            return;
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            health.WaitingFor("polling");
            await Task.Delay(settings.PollInterval, time, cancellationToken);
            return;
        }
        using var refresh = new CancellationTokenSource(settings.IdleRefresh, time);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, refresh.Token);
        void Arrived(object? sender, EventArgs e)
        {
            if (_newMail)
                done.Cancel();
        }
        _folder!.CountChanged += Arrived;
        try
        {
            health.WaitingFor("idle");
            if (!_newMail)
                // DONE ends the IDLE cleanly (new mail, refresh, stopping); only a forced stop breaks the connection.
                await client.IdleAsync(done.Token, forcedStop);
        }
        finally
        {
            _folder.CountChanged -= Arrived;
            health.WaitingFor(null);
        }
    }

    private async Task<Judged> JudgeAsync(IMailFolder folder, IMessageSummary summary, CancellationToken token)
    {
        var uid = summary.UniqueId;
        var messageId = summary.Envelope?.MessageId ?? "(none)";
        if (summary.Size is { } size && size > settings.MaxMessageBytes)
        {
            logger.LogWarning("Bounce mailbox: message {Uid} ({MessageId}) is {Size} bytes, more than Bounces:Imap:MaxMessageBytes ({Max}); moved to {Folder} unread",
                uid.Id, messageId, size, settings.MaxMessageBytes, settings.ReviewFolder);
            return new Judged(uid, messageId, BounceMailVerdict.ForReview($"{size} bytes, more than Bounces:Imap:MaxMessageBytes: not read"));
        }

        var message = await folder.GetMessageAsync(uid, token);
        try
        {
            return new Judged(uid, messageId, await handle(message, token));
        }
        catch (Exception e) when (!token.IsCancellationRequested)
        {
            logger.LogError(e, "Bounce mailbox: the handler failed on message {Uid} ({MessageId}); moved to {Folder} for a person to look at",
                uid.Id, messageId, settings.ReviewFolder);
            return new Judged(uid, messageId, BounceMailVerdict.ForReview($"the handler failed: {e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>Moves a batch: what was understood to the processed folder, the rest to the review folder, oldest first in each.</summary>
    private async Task FileAsync(IMailFolder folder, List<Judged> judged, CancellationToken token)
    {
        foreach (var (destination, forReview) in new[] { (_processed!, false), (_review!, true) })
        {
            var going = judged.Where(j => j.Verdict.Understood != forReview).ToList();
            if (going.Count == 0)
                continue;
            await MoveAsync(folder, [.. going.Select(j => j.Uid)], destination, token);
            foreach (var (uid, messageId, verdict) in going)
            {
                health.Filed(forReview);
                logger.LogInformation("Bounce mailbox: message {Uid} ({MessageId}) moved to {Folder}: {Summary}", uid.Id, messageId, destination.FullName, verdict.Summary);
            }
        }
    }

    /// <summary>
    /// MOVE where the server has it. Otherwise COPY, flag \Deleted, and expunge those UIDs (UIDPLUS);
    /// a server with neither keeps the flagged original, which the search skips: a plain EXPUNGE would
    /// also remove whatever else someone flagged in the folder, and nothing is ever deleted here.
    /// </summary>
    private async Task MoveAsync(IMailFolder folder, IList<UniqueId> uids, IMailFolder destination, CancellationToken token)
    {
        var capabilities = _client!.Capabilities;
        if (capabilities.HasFlag(ImapCapabilities.Move))
        {
            await folder.MoveToAsync(uids, destination, token);
            return;
        }
        await folder.CopyToAsync(uids, destination, token);
        await folder.AddFlagsAsync(uids, MessageFlags.Deleted, silent: true, token);
        if (capabilities.HasFlag(ImapCapabilities.UidPlus))
        {
            await folder.ExpungeAsync(uids, token);
        }
        else if (!_warnedNoUidPlus)
        {
            _warnedNoUidPlus = true;
            logger.LogWarning("The IMAP server has neither MOVE nor UIDPLUS: filed messages are copied and left flagged \\Deleted in {Folder}, never expunged by the gateway", settings.Folder);
        }
    }

    private static async Task<IMailFolder> EnsureFolderAsync(ImapClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(path, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
        }
        var parent = client.GetFolder(client.PersonalNamespaces[0]);
        var names = path.Split(parent.DirectorySeparator == '\0' ? '/' : parent.DirectorySeparator, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < names.Length; i++)
        {
            IMailFolder next;
            try
            {
                next = await parent.GetSubfolderAsync(names[i], cancellationToken);
            }
            catch (FolderNotFoundException)
            {
                next = await parent.CreateAsync(names[i], isMessageFolder: i == names.Length - 1, cancellationToken)
                    ?? throw new InvalidOperationException($"the IMAP server did not create the folder '{path}'");
                // Subscribed, so that a person's mail client shows it.
                await next.SubscribeAsync(cancellationToken);
            }
            parent = next;
        }
        return parent;
    }

    /// <summary>Leaves the connection without a word: it may already be broken.</summary>
    private async Task DropAsync()
    {
        ImapClient? client = _client;
        (_client, _folder, _processed, _review) = (null, null, null, null);
        if (client is null)
            return;
        try
        {
            if (client.IsConnected)
                await client.DisconnectAsync(quit: false, CancellationToken.None);
        }
        catch (Exception)
        {
            // Whatever state the connection was in, it is thrown away.
        }
        client.Dispose();
    }

    /// <summary>Logs out politely (briefly: a silent server is just closed).</summary>
    public async ValueTask DisposeAsync()
    {
        var client = _client;
        if (client is { IsConnected: true })
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
                await client.DisconnectAsync(quit: true, limit.Token);
            }
            catch (Exception e) when (e is IOException or ImapProtocolException or ImapCommandException or OperationCanceledException or InvalidOperationException)
            {
            }
        }
        await DropAsync();
    }
}
