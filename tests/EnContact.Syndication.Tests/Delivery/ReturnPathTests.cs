using EnContact.Syndication.Delivery;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Tests.Delivery;

/// <summary>The return path's VERP tokens: one per message, signed, lower-case, read back whatever the case.</summary>
public sealed class ReturnPathTests
{
    private const string MessageId = "0123456789abcdef0123456789abcdef@en-contact.com";

    private static ReturnPath Path(string? address = "rebonds@lettre.en-contact.com", string secret = "return-path-secret-0123456789abcdefghij") =>
        new(Options.Create(new DeliveryOptions { ReturnPath = address, ReturnPathSecret = secret }));

    [Fact]
    public void EnvelopeSenderFor_ThenRead_NamesTheMessage()
    {
        var envelope = Path().EnvelopeSenderFor(MessageId)!.Address;

        Assert.Matches(@"^rebonds\+[a-z2-7]{39}@lettre\.en-contact\.com$", envelope);
        Assert.InRange(envelope.IndexOf('@'), 0, 64);
        Assert.Equal(ReturnPathToken.Valid, Path().Read(envelope.ToUpperInvariant(), out var messageId));
        Assert.Equal(MessageId, messageId);
    }

    [Fact]
    public void Read_AnotherSecretsOrAlteredToken_IsForged_AndOtherAddressesAreNone()
    {
        var envelope = Path().EnvelopeSenderFor(MessageId)!.Address;
        var at = envelope.IndexOf('@');
        var altered = envelope[..(at - 1)] + (envelope[at - 1] == 'a' ? 'b' : 'a') + envelope[at..];

        Assert.Equal(ReturnPathToken.Forged, Path(secret: "someone-else-0123456789abcdefghijklmnopqr").Read(envelope, out _));
        Assert.Equal(ReturnPathToken.Forged, Path().Read(altered, out _));
        Assert.Equal(ReturnPathToken.None, Path().Read("rebonds@lettre.en-contact.com", out _));
        Assert.Equal(ReturnPathToken.None, Path().Read("newsletter@en-contact.com", out _));
    }

    [Fact]
    public void EnvelopeSenderFor_WithoutAReturnPath_IsNull_SoTheEnvelopeSenderIsFrom()
    {
        Assert.Null(Path(address: null).EnvelopeSenderFor(MessageId));
    }
}
