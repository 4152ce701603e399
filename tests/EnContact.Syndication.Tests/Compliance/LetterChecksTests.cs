using System.Security.Cryptography;
using EnContact.Syndication.Compliance;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EnContact.Syndication.Tests.Compliance;

/// <summary>
/// The checks of one composed letter, each made to fail by the fault it is there to catch: a key that
/// does not match, a link a reader cannot see, a footer without the publisher, a letter Gmail would clip.
/// </summary>
public sealed class LetterChecksTests
{
    private const string Unsubscribe = "https://lettre.en-contact.com/unsubscribe/jeton";
    private static readonly CancellationToken None = CancellationToken.None;

    private static MessageComposer Composer() => new(
        Options.Create(new DeliveryOptions { UnsubscribeMailbox = "desinscription@en-contact.com" }),
        Options.Create(new DkimOptions { Domain = TestDkim.Domain, Selector = TestDkim.Selector, PrivateKey = TestDkim.PrivateKeyPem }),
        new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = AppContext.BaseDirectory }, TimeProvider.System);

    private static MimeMessage Letter(MessageComposer composer, string? html = null, string? text = null) => composer.Compose(new OutboxItem
    {
        MessageKey = "k", Campaign = "digest-2026-11-30-0800", Kind = MailKind.Bulk, Recipient = "lectrice@example.com", Attempts = 1,
        MessageId = "0123456789abcdef0123456789abcdef@en-contact.com", UnsubscribeUrl = Unsubscribe,
        Body = new MessageBody("La lettre", text ?? "Se désabonner : {{unsubscribe_url}}\nÉditeur : En-Contact",
            html ?? "<p>La lettre</p><p><a href=\"{{unsubscribe_url}}\">Se désabonner</a></p><p>Éditeur : En-Contact</p>"),
        Variables = new Dictionary<string, string> { ["unsubscribe_url"] = Unsubscribe },
    });

    private static LetterFacts Facts(MessageComposer composer) => new()
    {
        ThroughRelay = true, SigningKey = composer.SigningKey, UnsubscribeUrl = Unsubscribe, PublisherLines = ["En-Contact"],
        ClipBytes = LetterGate.GmailClipBytes, BouncesRead = false,
    };

    private static async Task<GateCheck> CheckAsync(string name, MimeMessage letter, LetterFacts facts) =>
        (await LetterChecks.RunAsync(letter, facts, None)).Single(c => c.Name == name);

    [Fact]
    public async Task RunAsync_AWellFormedLetter_PassesEveryCheck()
    {
        var composer = Composer();

        var checks = await LetterChecks.RunAsync(Letter(composer), Facts(composer), None);

        Assert.All(checks.Where(c => c.Name != "return-path"), c => Assert.True(c.Outcome == CheckOutcome.Passed, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public async Task DkimVerifies_WithAPublicKeyThatIsNotTheSigningKeys_Fails()
    {
        var composer = Composer();
        using var other = RSA.Create(2048);
        var (_, otherPublic) = DkimKey.ReadPem(new StringReader(other.ExportRSAPrivateKeyPem()));

        var check = await CheckAsync("dkim-verifies", Letter(composer), Facts(composer) with { SigningKey = composer.SigningKey! with { PublicKey = otherPublic } });

        Assert.Equal(CheckOutcome.Failed, check.Outcome);
    }

    [Fact]
    public async Task DkimVerifies_ALetterChangedAfterSigning_Fails()
    {
        var composer = Composer();
        var letter = Letter(composer);
        letter.Subject = "Un autre sujet";

        var check = await CheckAsync("dkim-verifies", letter, Facts(composer));

        Assert.Equal(CheckOutcome.Failed, check.Outcome);
    }

    [Theory]
    [InlineData("<p style=\"display: none\"><a href=\"{{unsubscribe_url}}\">Se désabonner</a></p>")]
    [InlineData("<p><a href=\"{{unsubscribe_url}}\"> </a></p>")]
    [InlineData("<p hidden><a href=\"{{unsubscribe_url}}\">Se désabonner</a></p>")]
    [InlineData("<p><a href=\"https://lettre.en-contact.com/unsubscribe/autre\">Se désabonner</a></p>")]
    public async Task UnsubscribeLinkHtml_HiddenEmptyOrSomeoneElses_Fails(string footer)
    {
        var composer = Composer();

        var check = await CheckAsync("unsubscribe-link-html", Letter(composer, html: $"<p>La lettre</p>{footer}<p>Éditeur : En-Contact</p>"), Facts(composer));

        Assert.Equal(CheckOutcome.Failed, check.Outcome);
    }

    [Fact]
    public async Task UnsubscribeLinkText_And_PublisherIdentity_MissingFromTheTextPart_Fail()
    {
        var composer = Composer();
        var letter = Letter(composer, text: "La lettre, sans pied de page.");

        Assert.Equal(CheckOutcome.Failed, (await CheckAsync("unsubscribe-link-text", letter, Facts(composer))).Outcome);
        var publisher = await CheckAsync("publisher-identity", letter, Facts(composer) with { PublisherLines = ["En-Contact", "12 rue des Lilas, 75011 Paris"] });
        Assert.Equal(CheckOutcome.Failed, publisher.Outcome);
        Assert.Contains("'12 rue des Lilas, 75011 Paris'", publisher.Detail);
    }

    [Fact]
    public async Task Size_AnHtmlPartOverTheClip_Fails_WithItsSizeAsSent()
    {
        var composer = Composer();
        var bulk = string.Concat(Enumerable.Repeat("<p>Relation client, externalisation et expérience client : l’essentiel de la semaine.</p>", 1_400));
        var letter = Letter(composer, html: $"{bulk}<p><a href=\"{{{{unsubscribe_url}}}}\">Se désabonner</a></p><p>Éditeur : En-Contact</p>");

        var check = await CheckAsync("size", letter, Facts(composer));

        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Matches(@"^HTML part \d{3},\d{3} bytes as sent, over the clip at 102,000", check.Detail);
    }
}
