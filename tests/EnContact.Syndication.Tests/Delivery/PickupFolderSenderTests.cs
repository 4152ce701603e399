using EnContact.Syndication.Delivery;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class PickupFolderSenderTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Constructor_RelativePickupPath_ResolvesUnderContentRootAndCreatesIt()
    {
        var sender = CreateSender("mail/outbox");

        Assert.Equal(_root.Combine("mail", "outbox"), sender.Folder);
        Assert.True(Directory.Exists(sender.Folder));
        Assert.Contains(sender.Folder, sender.Description);
    }

    [Fact]
    public async Task SendAsync_NewMessage_WritesParseableEmlNamedAfterMessageId()
    {
        var sender = CreateSender();
        var message = Message("3f2a9c@en-contact.com", "Bonjour Chloé");

        var receipt = await sender.SendAsync(message, CancellationToken.None);

        var path = Path.Combine(sender.Folder, "3f2a9c@en-contact.com.eml");
        Assert.Equal($"written {path}", receipt.Reply);
        var written = await MimeMessage.LoadAsync(path);
        Assert.Equal("3f2a9c@en-contact.com", written.MessageId);
        Assert.Equal("Bonjour Chloé", written.Subject);
        Assert.Equal("Texte de la lettre.", written.TextBody?.Trim());
    }

    [Fact]
    public async Task SendAsync_SameMessageIdAgain_KeepsFirstFileAndSaysAlreadyWritten()
    {
        var sender = CreateSender();
        await sender.SendAsync(Message("retry@en-contact.com", "premier envoi"), CancellationToken.None);

        var receipt = await sender.SendAsync(Message("retry@en-contact.com", "second envoi"), CancellationToken.None);

        Assert.StartsWith("already written", receipt.Reply);
        var file = Assert.Single(Directory.GetFiles(sender.Folder));
        Assert.Equal("premier envoi", (await MimeMessage.LoadAsync(file)).Subject);
    }

    [Fact]
    public async Task SendAsync_SeveralMessages_LeavesNoTemporaryFiles()
    {
        var sender = CreateSender();

        for (var i = 0; i < 5; i++)
            await sender.SendAsync(Message($"m{i}@en-contact.com", "lettre"), CancellationToken.None);
        await sender.SendAsync(Message("m0@en-contact.com", "lettre"), CancellationToken.None);

        var files = Directory.GetFiles(sender.Folder).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal<string>(["m0@en-contact.com.eml", "m1@en-contact.com.eml", "m2@en-contact.com.eml", "m3@en-contact.com.eml", "m4@en-contact.com.eml"], files);
    }

    [Fact]
    public async Task SendAsync_ConcurrentDifferentMessages_WritesEachOnce()
    {
        var sender = CreateSender();
        var ids = Enumerable.Range(0, 40).Select(i => $"concurrent-{i}@en-contact.com").ToArray();

        var receipts = await Task.WhenAll(ids.Select(id => Task.Run(() => sender.SendAsync(Message(id, id), CancellationToken.None))));

        Assert.All(receipts, receipt => Assert.StartsWith("written ", receipt.Reply));
        var files = Directory.GetFiles(sender.Folder);
        Assert.Equal(ids.Length, files.Length);
        foreach (var file in files)
        {
            var written = await MimeMessage.LoadAsync(file);
            Assert.Equal(written.MessageId + ".eml", Path.GetFileName(file));
            Assert.Equal(written.MessageId, written.Subject);
        }
    }

    [Fact]
    public async Task SendAsync_ConcurrentSendsOfOneMessage_WritesOneFileAndNeverThrows()
    {
        var sender = CreateSender();

        var receipts = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => Task.Run(() => sender.SendAsync(Message("same@en-contact.com", $"copie {i}"), CancellationToken.None))));

        Assert.Single(receipts, receipt => receipt.Reply.StartsWith("written ", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(sender.Folder));
    }

    [Fact]
    public async Task SendAsync_MessageIdWithPathCharacters_StaysInFolderAndKeepsIdsApart()
    {
        var sender = CreateSender();

        await sender.SendAsync(Message("../../etc/passwd@evil", "un"), CancellationToken.None);
        await sender.SendAsync(Message("..__etc_passwd@evil", "deux"), CancellationToken.None);

        var files = Directory.GetFiles(_root.Path, "*", SearchOption.AllDirectories);
        Assert.Equal(2, files.Length);
        Assert.All(files, file => Assert.Equal(sender.Folder, Path.GetDirectoryName(file)));
        Assert.All(files, file => Assert.False(Path.GetFileName(file).StartsWith('.'), file));
    }

    [Fact]
    public async Task SendAsync_NoMessageId_ThrowsBeforeWriting()
    {
        var sender = CreateSender();
        var message = Message("x@en-contact.com", "sans identifiant");
        message.Headers.Remove(HeaderId.MessageId);

        await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync(message, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(sender.Folder));
    }

    [Fact]
    public async Task SendAsync_WithAnEnvelopeSender_WritesItFirstAsAPickupRelayReadsIt_FromUnchanged()
    {
        var sender = CreateSender();

        await sender.SendAsync(Message("env@en-contact.com", "enveloppe"), new MailboxAddress("", "rebonds+abc@lettre.en-contact.com"), CancellationToken.None);

        var path = Directory.GetFiles(sender.Folder, "*.eml").Single();
        var lines = File.ReadAllLines(path);
        Assert.Equal(["X-Sender: rebonds+abc@lettre.en-contact.com", "X-Receiver: chloe@example.com"], lines[..2]);
        var written = await MimeMessage.LoadAsync(path);
        Assert.Equal("newsletter@en-contact.com", written.From.Mailboxes.Single().Address);
        Assert.Equal("env@en-contact.com", written.MessageId);
    }

    private PickupFolderSender CreateSender(string pickupPath = "outbox") =>
        new(Options.Create(new DeliveryOptions { PickupPath = pickupPath }), new TestEnvironment(_root.Path));

    private static MimeMessage Message(string messageId, string subject)
    {
        var message = new MimeMessage { Subject = subject, MessageId = messageId, Body = new TextPart("plain") { Text = "Texte de la lettre." } };
        message.From.Add(new MailboxAddress("En-Contact", "newsletter@en-contact.com"));
        message.To.Add(new MailboxAddress("Chloé", "chloe@example.com"));
        return message;
    }

    private sealed class TestEnvironment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "EnContact.Syndication.Tests";
        public string ContentRootPath { get; set; } = contentRoot;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
