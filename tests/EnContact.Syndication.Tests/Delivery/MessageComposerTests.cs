using System.Security.Cryptography;
using EnContact.Syndication.Delivery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace EnContact.Syndication.Tests.Delivery;

public sealed class MessageComposerTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));

    /// <summary>A reader's signed token as the digest queues it (44 lower-case base32 characters).</summary>
    private const string MailToken = "efaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbb";

    /// <summary>A message of <paramref name="kind"/>; the reader's unsubscribe token is queued with bulk mail (and a test copy of it), never with other mail.</summary>
    private static OutboxItem Item(MailKind kind = MailKind.Bulk, string? unsubscribe = "https://lettre.en-contact.com/desinscription?token=abc", bool? readerToken = null) => new()
    {
        MessageKey = OutboxStore.KeyOf("digest-2026-48", "lecteur@exemple.fr"),
        Campaign = "digest-2026-48",
        Kind = kind,
        Recipient = "lecteur@exemple.fr",
        RecipientName = "Zoé Lecteur",
        Body = new MessageBody("La lettre n° 48 : l’IA > le script & co", "Bonjour {{prenom}},\nDésinscription : {{unsubscribe_url}}",
            "<p>Bonjour {{prenom}},</p><p><a href=\"{{unsubscribe_url}}\">Se désinscrire</a></p>"),
        Variables = readerToken ?? kind == MailKind.Bulk
            ? new Dictionary<string, string>
            {
                ["prenom"] = "Zoé <b>&", ["unsubscribe_url"] = "https://lettre.en-contact.com/desinscription?token=abc",
                [MessageComposer.UnsubscribeTokenVariable] = MailToken,
            }
            : new Dictionary<string, string> { ["prenom"] = "Zoé <b>&", ["unsubscribe_url"] = "https://lettre.en-contact.com/desinscription?token=abc" },
        UnsubscribeUrl = unsubscribe,
        MessageId = OutboxStore.MessageIdOf(OutboxStore.KeyOf("digest-2026-48", "lecteur@exemple.fr"), "en-contact.com"),
        Attempts = 1,
    };

    private static MessageComposer Composer(DkimOptions? dkim = null, string? unsubscribeMailbox = "desinscription@en-contact.com") =>
        new(Options.Create(new DeliveryOptions { UnsubscribeMailbox = unsubscribeMailbox }), Options.Create(dkim ?? new DkimOptions()),
            new TestEnvironment(), Clock);

    [Fact]
    public async Task Compose_Bulk_HasListHeadersAndBothParts()
    {
        var message = await RoundTripAsync(Composer().Compose(Item()));

        Assert.Equal("La lettre n° 48 : l’IA > le script & co", message.Subject);
        Assert.Equal("newsletter@en-contact.com", message.From.Mailboxes.Single().Address);
        Assert.Equal("lecteur@exemple.fr", message.To.Mailboxes.Single().Address);
        Assert.Equal(Item().MessageId, message.MessageId);
        Assert.Equal(Clock.GetUtcNow(), message.Date);
        Assert.Equal("1.0", message.Headers[HeaderId.MimeVersion]);
        Assert.Equal("La lettre d’En-Contact <lettre.en-contact.com>", message.Headers["List-Id"]);
        Assert.Equal($"<https://lettre.en-contact.com/desinscription?token=abc>, <mailto:desinscription+{MailToken}@en-contact.com?subject=unsubscribe>", message.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal("Bonjour Zoé <b>&,\nDésinscription : https://lettre.en-contact.com/desinscription?token=abc", message.TextBody!.ReplaceLineEndings("\n").TrimEnd());
        Assert.Contains("<p>Bonjour Zoé &lt;b&gt;&amp;,</p>", message.HtmlBody);
        Assert.Equal(2, alternative.Count);
    }

    [Fact]
    public void Compose_TransactionalCarryingAReadersUnsubscribeToken_HasTheListHeadersOfBulkMail()
    {
        // A test copy of the letter: sent as transactional mail (at once), headed as the letter.
        var copy = Composer().Compose(Item(MailKind.Transactional, readerToken: true));
        var letter = Composer().Compose(Item());

        foreach (var header in new[] { "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID" })
            Assert.Equal(letter.Headers[header], copy.Headers[header]);
        Assert.Contains($"<mailto:desinscription+{MailToken}@en-contact.com?subject=unsubscribe>", copy.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public void Compose_Transactional_HasNoListHeaders()
    {
        var message = Composer().Compose(Item(MailKind.Transactional, unsubscribe: null));

        Assert.Null(message.Headers["List-Unsubscribe"]);
        Assert.Null(message.Headers["List-Unsubscribe-Post"]);
        Assert.Null(message.Headers["List-Id"]);
    }

    [Fact]
    public void Compose_BulkWithoutHttpsUrl_HasNoOneClickHeader()
    {
        var message = Composer().Compose(Item(unsubscribe: null));

        Assert.StartsWith("<mailto:", message.Headers["List-Unsubscribe"]);
        Assert.Null(message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public void Compose_BulkWithoutTheReadersToken_HasNoMailtoThatAnyoneCouldUse()
    {
        var item = Item();
        var message = Composer().Compose(item with { Variables = item.Variables.Where(v => v.Key != MessageComposer.UnsubscribeTokenVariable).ToDictionary() });

        Assert.Equal("<https://lettre.en-contact.com/desinscription?token=abc>", message.Headers["List-Unsubscribe"]);
        Assert.DoesNotContain("lecteur", message.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public void Compose_SameItemTwice_SameMessageId()
    {
        Assert.Equal(Composer().Compose(Item()).MessageId, Composer().Compose(Item()).MessageId);
        Assert.Matches("^[0-9a-f]{32}@en-contact.com$", Item().MessageId);
    }

    [Fact]
    public async Task Compose_WithDkimKey_SignatureVerifiesAndCoversListHeaders()
    {
        using var rsa = RSA.Create(2048);
        var composer = Composer(new DkimOptions { Domain = "en-contact.com", Selector = "lettre", PrivateKey = rsa.ExportRSAPrivateKeyPem() });

        var sent = composer.Compose(Item());
        using var wire = new MemoryStream();
        await sent.WriteToAsync(wire);
        wire.Position = 0;
        var received = await MimeMessage.LoadAsync(wire);

        var signature = received.Headers.Single(h => h.Id == HeaderId.DkimSignature);
        var tags = signature.Value.Replace(" ", "").Replace("\r\n", "").Replace("\t", "");
        var signedHeaders = tags.Split(';').Single(t => t.StartsWith("h=", StringComparison.Ordinal))[2..].Split(':');
        foreach (var header in new[] { "from", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post" })
            Assert.Contains(header, signedHeaders, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("d=en-contact.com", tags);
        Assert.Contains("s=lettre", tags);

        var verifier = new DkimVerifier(new SingleKeyLocator(rsa));
        Assert.True(await verifier.VerifyAsync(received, signature));

        received.Headers["List-Unsubscribe"] = "<https://evil.example/>";
        Assert.False(await verifier.VerifyAsync(received, signature));
    }

    [Theory]
    [InlineData(MailKind.Bulk)]
    [InlineData(MailKind.Transactional)]
    public async Task Compose_WithDkimKey_SignsEveryListedHeader_AndOverSignsSoNoneCanBeAdded(MailKind kind)
    {
        using var rsa = RSA.Create(2048);
        var composer = Composer(new DkimOptions { Domain = "en-contact.com", Selector = "lettre", PrivateKey = rsa.ExportRSAPrivateKeyPem() });
        var received = await RoundTripAsync(composer.Compose(Item(kind)));
        var signature = received.Headers.Single(h => h.Id == HeaderId.DkimSignature);
        var signed = SignedHeaders(signature);

        var expected = kind == MailKind.Bulk
            ? new[] { "from", "to", "subject", "date", "message-id", "mime-version", "content-type", "list-id", "list-unsubscribe", "list-unsubscribe-post", "feedback-id" }
            : new[] { "from", "to", "subject", "date", "message-id", "mime-version", "content-type" };
        foreach (var header in expected)
            Assert.Contains(header, signed);
        foreach (var header in new[] { "from", "subject", "list-unsubscribe", "list-unsubscribe-post" })
            Assert.True(signed.Count(h => h == header) == received.Headers.Count(h => h.Field.Equals(header, StringComparison.OrdinalIgnoreCase)) + 1, $"{header} is over-signed");
        var verifier = new DkimVerifier(new SingleKeyLocator(rsa));
        Assert.True(await verifier.VerifyAsync(received, signature));

        // Anything added after signing breaks the signature: a second Subject, or an unsubscribe header on a confirmation.
        var tampered = await RoundTripAsync(received);
        tampered.Headers.Add(kind == MailKind.Bulk ? "Subject" : "List-Unsubscribe", "<https://evil.example/>");
        Assert.False(await verifier.VerifyAsync(tampered, tampered.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
    }

    [Fact]
    public async Task Compose_WithDkimKey_SignatureHasTheRfc6376Shape()
    {
        using var rsa = RSA.Create(2048);
        var received = await RoundTripAsync(Signing(rsa).Compose(Item()));

        var tags = EnContact.Syndication.Compliance.DkimTags.Parse(received.Headers[HeaderId.DkimSignature]!);

        Assert.Equal("1", tags["v"]);
        Assert.Equal("rsa-sha256", tags["a"]);
        Assert.Equal("relaxed/relaxed", tags["c"]);
        Assert.Equal("en-contact.com", tags["d"]);
        Assert.Equal("lettre", tags["s"]);
        Assert.Equal(Clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), tags["t"]);
        Assert.Equal(32, Convert.FromBase64String(tags["bh"]).Length);
        Assert.Equal(256, Convert.FromBase64String(tags["b"]).Length);
        Assert.Equal(HeaderId.DkimSignature, received.Headers.First().Id);
    }

    public static TheoryData<string, string> Readers => new()
    {
        { "Zoé", "La lettre n° 48" },
        { "  deux  espaces\t", "Sujet   avec   espaces et un titre très long qui sera replié par MimeKit sur plusieurs lignes, « guillemets » et l’apostrophe" },
        { "ligne\n.point\nFrom x", "court" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Readers))]
    public async Task Compose_WithDkimKey_AnyReaderAndSubject_VerifiesWithMimeKit(string name, string subject)
    {
        using var rsa = RSA.Create(2048);
        var item = Item();
        item = item with
        {
            RecipientName = name,
            Body = item.Body with { Subject = subject + " {{prenom}}" },
            Variables = new Dictionary<string, string>(item.Variables) { ["prenom"] = name },
        };

        var received = await RoundTripAsync(Signing(rsa).Compose(item));

        Assert.True(await new DkimVerifier(new SingleKeyLocator(rsa)).VerifyAsync(received, received.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
        Assert.Contains($"Bonjour {name},", received.TextBody);
    }

    [Fact]
    public async Task Compose_WithDkimKey_BodyChangedAfterSigning_DoesNotVerify()
    {
        using var rsa = RSA.Create(2048);
        using var wire = new MemoryStream();
        await Signing(rsa).Compose(Item()).WriteToAsync(wire);
        var text = System.Text.Encoding.ASCII.GetString(wire.ToArray());
        Assert.Contains("Se d=C3=A9sinscrire", text);

        var tampered = await MimeMessage.LoadAsync(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text.Replace("Se d=C3=A9sinscrire", "Se d=C3=A9sabonner"))));

        Assert.False(await new DkimVerifier(new SingleKeyLocator(rsa)).VerifyAsync(tampered, tampered.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
    }

    [Fact]
    public async Task Compose_WithPkcs8Key_SignsAndTheComplianceKeyVerifies()
    {
        using var rsa = RSA.Create(2048);
        var composer = Composer(new DkimOptions { Domain = "en-contact.com", Selector = "lettre", PrivateKey = rsa.ExportPkcs8PrivateKeyPem() });

        var received = await RoundTripAsync(composer.Compose(Item()));

        Assert.True(await composer.SigningKey!.Verifier().VerifyAsync(received, received.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
    }

    [Fact]
    public void Compose_WithAnEd25519KeyAsTheOnlyKey_IsRefusedAtStart()
    {
        var pem = Ed25519Pem(out _);

        // Many receivers cannot verify ed25519-sha256 (RFC 8463): a letter signed with it alone is unsigned to them.
        var error = Assert.Throws<FormatException>(() => Composer(new DkimOptions { Domain = "en-contact.com", Selector = "lettre", PrivateKey = pem }));
        Assert.Contains("RSA", error.Message);
    }

    [Fact]
    public async Task Compose_SameStoredBodyForTwoReaders_PreparesItOnce()
    {
        using var rsa = RSA.Create(2048);
        var composer = Signing(rsa);
        var first = Item();
        var second = first with { Recipient = "autre@exemple.fr", Variables = new Dictionary<string, string>(first.Variables) { ["prenom"] = "Léa" } };

        var a = await RoundTripAsync(composer.Compose(first));
        var b = await RoundTripAsync(composer.Compose(second));
        var other = await RoundTripAsync(composer.Compose(first with { Body = first.Body with { } }));

        // One encoding per stored body: its messages share the boundary, another body has its own.
        Assert.Equal(Assert.IsType<MultipartAlternative>(a.Body).Boundary, Assert.IsType<MultipartAlternative>(b.Body).Boundary);
        Assert.NotEqual(Assert.IsType<MultipartAlternative>(a.Body).Boundary, Assert.IsType<MultipartAlternative>(other.Body).Boundary);
        Assert.Contains("Bonjour Léa,", b.TextBody);
        var verifier = new DkimVerifier(new SingleKeyLocator(rsa));
        foreach (var message in new[] { a, b, other })
            Assert.True(await verifier.VerifyAsync(message, message.Headers.Single(h => h.Id == HeaderId.DkimSignature)));
    }

    [Fact]
    public async Task Compose_WithAnEd25519KeyToo_AddsASecondSignatureAfterTheRsaOne_BothVerify()
    {
        using var rsa = RSA.Create(2048);
        var composer = Composer(new DkimOptions
        {
            Domain = "en-contact.com", Selector = "lettre", PrivateKey = rsa.ExportRSAPrivateKeyPem(),
            Ed25519Selector = "lettre-ed", Ed25519PrivateKey = Ed25519Pem(out var publicKey),
        });

        var received = await RoundTripAsync(composer.Compose(Item()));

        var signatures = received.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        Assert.Equal(2, signatures.Count);
        Assert.Equal("rsa-sha256", EnContact.Syndication.Compliance.DkimTags.Parse(signatures[0].Value)["a"]);
        var ed = EnContact.Syndication.Compliance.DkimTags.Parse(signatures[1].Value);
        Assert.Equal(("ed25519-sha256", "lettre-ed"), (ed["a"], ed["s"]));
        var verifier = new DkimVerifier(new SingleKeyLocator(rsa, ("lettre-ed", "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(publicKey))));
        Assert.True(await verifier.VerifyAsync(received, signatures[0]));
        Assert.True(await verifier.VerifyAsync(received, signatures[1]));
        Assert.True(await composer.SigningKey!.Verifier().VerifyAsync(received, signatures[0]));

        received.Headers["Subject"] = "autre chose";
        Assert.False(await verifier.VerifyAsync(received, signatures[1]));
    }

    private static string Ed25519Pem(out byte[] publicKey)
    {
        var generator = new Org.BouncyCastle.Crypto.Generators.Ed25519KeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.Ed25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
        var pair = generator.GenerateKeyPair();
        publicKey = ((Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters)pair.Public).GetEncoded();
        using var pem = new StringWriter();
        var writer = new Org.BouncyCastle.OpenSsl.PemWriter(pem);
        writer.WriteObject(new Org.BouncyCastle.OpenSsl.Pkcs8Generator(pair.Private));
        writer.Writer.Flush();
        return pem.ToString();
    }

    private static MessageComposer Signing(RSA rsa) =>
        Composer(new DkimOptions { Domain = "en-contact.com", Selector = "lettre", PrivateKey = rsa.ExportRSAPrivateKeyPem() });

    [Fact]
    public void Compose_Bulk_HasAFeedbackIdOfEditionListAndSender()
    {
        var message = Composer().Compose(Item());

        Assert.Equal("digest-2026-48:lettre.en-contact.com:en-contact.com", message.Headers["Feedback-ID"]);
        Assert.False(Composer().Compose(Item(MailKind.Transactional)).Headers.Contains("Feedback-ID"));
    }

    private static async Task<MimeMessage> RoundTripAsync(MimeMessage message)
    {
        using var wire = new MemoryStream();
        await message.WriteToAsync(wire);
        wire.Position = 0;
        return await MimeMessage.LoadAsync(wire);
    }

    private static string[] SignedHeaders(Header signature) =>
        signature.Value.Replace(" ", "").Replace("\r\n", "").Replace("\t", "").Split(';')
            .Single(t => t.StartsWith("h=", StringComparison.Ordinal))[2..].ToLowerInvariant().Split(':');

    [Theory]
    [InlineData("Bonjour {{prenom}} !", "Bonjour Zoé !")]
    [InlineData("{{ prenom }}", "Zoé")]
    [InlineData("{{inconnu}} reste", "{{inconnu}} reste")]
    [InlineData("{{prenom", "{{prenom")]
    [InlineData("sans variable", "sans variable")]
    public void Fill_ReplacesKnownPlaceholders(string template, string expected)
    {
        Assert.Equal(expected, MessageComposer.Fill(template, new Dictionary<string, string> { ["prenom"] = "Zoé" }, html: false));
    }

    /// <summary>Answers every DKIM key lookup with the test key's public half (no DNS in tests).</summary>
    private sealed class SingleKeyLocator(RSA rsa, (string Selector, string Record)? other = null) : DkimPublicKeyLocatorBase
    {
        private readonly string _record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(other is { } o && o.Selector == selector ? o.Record : _record);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
