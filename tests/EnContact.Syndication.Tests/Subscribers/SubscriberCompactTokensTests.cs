using EnContact.Syndication.Delivery;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>The compact tokens that travel in an address (the unsubscribe mailbox's mailto:): lower-case, short, signed, case-folding proof.</summary>
public sealed class SubscriberCompactTokensTests
{
    private const string SubscriberId = "0123456789abcdef0123456789abcdef";

    private static SubscriberTokens Tokens(TimeProvider time, string secret = "current-secret-0123456789abcdefghijklmnop", params string[] previous) =>
        new(Options.Create(new SubscribersOptions { PreviousTokenSecrets = [.. previous] }), new TokenSecret(secret), time);

    [Fact]
    public void CreateCompact_ThenReadInUpperCase_GivesTheSubscriberBack()
    {
        var tokens = Tokens(new FakeTimeProvider(Gateway.DefaultNow));

        var token = tokens.CreateCompact(TokenPurpose.Unsubscribe, SubscriberId, TimeSpan.FromDays(365));
        var state = tokens.ReadCompact(token.ToUpperInvariant(), TokenPurpose.Unsubscribe, out var claims);

        Assert.Equal(DeliverySetup.UnsubscribeTokenLength, token.Length);
        Assert.Matches("^[a-z2-7]+$", token);
        Assert.Equal((TokenState.Valid, SubscriberId), (state, claims.SubscriberId));
    }

    [Fact]
    public void ReadCompact_AlteredOtherPurposeOrOtherSecret_IsInvalid()
    {
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        var token = Tokens(clock).CreateCompact(TokenPurpose.Unsubscribe, SubscriberId, TimeSpan.FromDays(365));
        var altered = token[..10] + (token[10] == 'a' ? 'b' : 'a') + token[11..];

        Assert.Equal(TokenState.Invalid, Tokens(clock).ReadCompact(altered, TokenPurpose.Unsubscribe, out _));
        Assert.Equal(TokenState.Invalid, Tokens(clock).ReadCompact(token, TokenPurpose.Preferences, out _));
        Assert.Equal(TokenState.Invalid, Tokens(clock, "someone-else-0123456789abcdefghijklmnopqr").ReadCompact(token, TokenPurpose.Unsubscribe, out _));
        Assert.Equal(TokenState.Valid, Tokens(clock, "next-secret-0123456789abcdefghijklmnopqrs", "current-secret-0123456789abcdefghijklmnop")
            .ReadCompact(token, TokenPurpose.Unsubscribe, out _));
    }

    [Fact]
    public void ReadCompact_PastItsLifetime_IsExpired()
    {
        var clock = new FakeTimeProvider(Gateway.DefaultNow);
        var token = Tokens(clock).CreateCompact(TokenPurpose.Unsubscribe, SubscriberId, TimeSpan.FromDays(2));

        clock.Advance(TimeSpan.FromDays(4));

        Assert.Equal(TokenState.Expired, Tokens(clock).ReadCompact(token, TokenPurpose.Unsubscribe, out _));
    }
}
