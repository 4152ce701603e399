using System.Security.Cryptography;
using System.Text;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EnContact.Syndication.Tests.Subscribers;

/// <summary>Signed link tokens: round trip, purpose binding, tampering, expiry, secret rotation.</summary>
public sealed class SubscriberTokensTests
{
    private const string Secret = "current-secret-0123456789abcdefghijklmnop";
    private const string OldSecret = "previous-secret-0123456789abcdefghijklmno";
    private const string OtherSecret = "someone-else-0123456789abcdefghijklmnopqr";
    private const string SubscriberId = "0123456789abcdef0123456789abcdef";
    private const string Nonce = "00112233445566ff";
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static SubscriberTokens Tokens(TimeProvider time, string secret = Secret, params string[] previous) =>
        new(Options.Create(new SubscribersOptions { PreviousTokenSecrets = [.. previous] }), new TokenSecret(secret), time);

    private static FakeTimeProvider Clock() => new(Gateway.DefaultNow);

    private static string Altered(string token, int position, char replacement) =>
        string.Concat(token.AsSpan(0, position), replacement.ToString(), token.AsSpan(position + 1));

    [Fact]
    public void Create_ThenRead_ReturnsPurposeSubscriberNonceAndExpiry()
    {
        var clock = Clock();
        var tokens = Tokens(clock);

        var token = tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromHours(48), Nonce);
        var state = tokens.Read(token, TokenPurpose.Confirm, out var claims);

        Assert.Equal(67, token.Length);
        Assert.All(token, c => Assert.Contains(c, Base64UrlAlphabet));
        Assert.Equal(TokenState.Valid, state);
        Assert.Equal(TokenPurpose.Confirm, claims.Purpose);
        Assert.Equal(SubscriberId, claims.SubscriberId);
        Assert.Equal(Nonce, claims.Nonce);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromHours(48), claims.ExpiresAt);
    }

    [Fact]
    public void Create_UpperCaseIdWithoutNonce_ReadsBackLowerCaseWithZeroNonce()
    {
        var tokens = Tokens(Clock());

        var token = tokens.Create(TokenPurpose.Unsubscribe, SubscriberId.ToUpperInvariant(), TimeSpan.FromDays(365));
        var state = tokens.Read(token, TokenPurpose.Unsubscribe, out var claims);

        Assert.Equal(TokenState.Valid, state);
        Assert.Equal(SubscriberId, claims.SubscriberId);
        Assert.Equal("0000000000000000", claims.Nonce);
    }

    [Fact]
    public async Task Create_WithGatewayServices_IsReadByTheSameServiceAndRefusedByAnotherSecret()
    {
        await using var gateway = await Gateway.CreateAsync();
        var tokens = gateway.Services.GetRequiredService<SubscriberTokens>();

        var token = tokens.Create(TokenPurpose.Preferences, SubscriberId, TimeSpan.FromDays(1));
        var state = tokens.Read(token, TokenPurpose.Preferences, out var claims);
        var foreign = Tokens(gateway.Clock!, OtherSecret).Read(token, TokenPurpose.Preferences, out _);

        Assert.Equal(TokenState.Valid, state);
        Assert.Equal(SubscriberId, claims.SubscriberId);
        Assert.Equal(TokenState.Invalid, foreign);
        Assert.Equal(TokenState.Valid, Tokens(gateway.Clock!, Gateway.LinkSecret).Read(token, TokenPurpose.Preferences, out _));
    }

    [Theory]
    [InlineData(TokenPurpose.Confirm, TokenPurpose.Unsubscribe)]
    [InlineData(TokenPurpose.Confirm, TokenPurpose.Preferences)]
    [InlineData(TokenPurpose.Unsubscribe, TokenPurpose.Confirm)]
    [InlineData(TokenPurpose.Unsubscribe, TokenPurpose.Preferences)]
    [InlineData(TokenPurpose.Preferences, TokenPurpose.Confirm)]
    [InlineData(TokenPurpose.Preferences, TokenPurpose.Unsubscribe)]
    public void Read_TokenForAnotherPurpose_IsInvalidWithoutClaims(TokenPurpose created, TokenPurpose asked)
    {
        var tokens = Tokens(Clock());
        var token = tokens.Create(created, SubscriberId, TimeSpan.FromDays(1), Nonce);

        var state = tokens.Read(token, asked, out var claims);

        Assert.Equal(TokenState.Invalid, state);
        Assert.Equal(default, claims);
        Assert.Equal(TokenState.Valid, tokens.Read(token, created, out _));
    }

    [Fact]
    public void Read_AnySingleCharacterChanged_IsInvalid()
    {
        var tokens = Tokens(Clock());
        var token = tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1), Nonce);
        var accepted = new List<string>();
        var tried = 0;

        // Every position, the last one included (its 2 unused bits must not give other spellings of the same token).
        for (var position = 0; position < token.Length; position++)
        {
            foreach (var replacement in Base64UrlAlphabet.Where(c => c != token[position]))
            {
                tried++;
                if (tokens.Read(Altered(token, position, replacement), TokenPurpose.Confirm, out _) != TokenState.Invalid)
                    accepted.Add($"{position}:{replacement}");
            }
        }

        Assert.Equal(67 * 63, tried);
        Assert.Empty(accepted);
        Assert.Equal(TokenState.Valid, tokens.Read(token, TokenPurpose.Confirm, out _));
    }

    [Fact]
    public void Read_StandardBase64InsteadOfUrlCharacters_IsNeverValidWithDifferentText()
    {
        // A token whose text differs from the one we issued must not be accepted as another spelling of it.
        var tokens = Tokens(Clock());
        var token = Enumerable.Range(0, 200)
            .Select(i => tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1) + TimeSpan.FromSeconds(i), Nonce))
            .First(t => t[..^1].Contains('-') || t[..^1].Contains('_'));
        var position = token[..^1].IndexOfAny(['-', '_']);
        var standard = Altered(token, position, token[position] == '-' ? '+' : '/');

        Assert.Equal(TokenState.Invalid, tokens.Read(standard, TokenPurpose.Confirm, out _));
    }

    public static TheoryData<string?> Garbage => new()
    {
        null,
        "",
        " ",
        "not-a-token",
        new string('A', 67),
        new string('!', 67),
        new string('=', 67),
        "é" + new string('A', 66),
        new string('A', 66) + "\n",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Read_Garbage_IsInvalid(string? text)
    {
        var tokens = Tokens(Clock());

        Assert.Equal(TokenState.Invalid, tokens.Read(text, TokenPurpose.Confirm, out var claims));
        Assert.Equal(default, claims);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(66)]
    public void Read_TruncatedOrExtended_IsInvalid(int cut)
    {
        var tokens = Tokens(Clock());
        var token = tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1), Nonce);

        Assert.Equal(TokenState.Invalid, tokens.Read(token[..^cut], TokenPurpose.Confirm, out _));
        Assert.Equal(TokenState.Invalid, tokens.Read(token[cut..], TokenPurpose.Confirm, out _));
        Assert.Equal(TokenState.Invalid, tokens.Read(token + "A", TokenPurpose.Confirm, out _));
        Assert.Equal(TokenState.Invalid, tokens.Read(token + "=", TokenPurpose.Confirm, out _));
        Assert.Equal(TokenState.Invalid, tokens.Read(" " + token, TokenPurpose.Confirm, out _));
    }

    [Fact]
    public void Read_CorrectlySignedButUnknownVersion_IsInvalid()
    {
        var tokens = Tokens(Clock());
        var bytes = WebEncoders.Base64UrlDecode(tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1), Nonce));
        bytes[0] = 2;
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), bytes.AsSpan(0, 34)).AsSpan(0, 16).CopyTo(bytes.AsSpan(34));
        var resigned = WebEncoders.Base64UrlEncode(bytes);
        bytes[0] = 1;
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), bytes.AsSpan(0, 34)).AsSpan(0, 16).CopyTo(bytes.AsSpan(34));
        var control = WebEncoders.Base64UrlEncode(bytes);

        Assert.Equal(TokenState.Invalid, tokens.Read(resigned, TokenPurpose.Confirm, out _));
        Assert.Equal(TokenState.Valid, tokens.Read(control, TokenPurpose.Confirm, out _));
    }

    [Fact]
    public void Read_AfterLifetime_IsExpiredWithClaimsStillReadable()
    {
        var clock = Clock();
        var tokens = Tokens(clock);
        var token = tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromHours(48), Nonce);

        clock.Advance(TimeSpan.FromHours(48) - TimeSpan.FromSeconds(1));
        var justBefore = tokens.Read(token, TokenPurpose.Confirm, out _);
        clock.Advance(TimeSpan.FromSeconds(1));
        var atExpiry = tokens.Read(token, TokenPurpose.Confirm, out var claims);
        clock.Advance(TimeSpan.FromDays(400));
        var muchLater = tokens.Read(token, TokenPurpose.Confirm, out _);

        Assert.Equal(TokenState.Valid, justBefore);
        Assert.Equal(TokenState.Expired, atExpiry);
        Assert.Equal(TokenState.Expired, muchLater);
        Assert.Equal(TokenPurpose.Confirm, claims.Purpose);
        Assert.Equal(SubscriberId, claims.SubscriberId);
        Assert.Equal(Nonce, claims.Nonce);
        Assert.Equal(Gateway.DefaultNow + TimeSpan.FromHours(48), claims.ExpiresAt);
    }

    [Fact]
    public void Read_ExpiredTokenForAnotherPurpose_IsInvalidNotExpired()
    {
        var clock = Clock();
        var tokens = Tokens(clock);
        var token = tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromHours(1), Nonce);
        clock.Advance(TimeSpan.FromHours(2));

        Assert.Equal(TokenState.Invalid, tokens.Read(token, TokenPurpose.Unsubscribe, out _));
        Assert.Equal(TokenState.Expired, tokens.Read(token, TokenPurpose.Confirm, out _));
    }

    [Fact]
    public void Read_SignedWithPreviousSecret_IsStillValid()
    {
        var clock = Clock();
        var before = Tokens(clock, OldSecret);
        var after = Tokens(clock, Secret, OtherSecret + "-unused", OldSecret);
        var oldLink = before.Create(TokenPurpose.Unsubscribe, SubscriberId, TimeSpan.FromDays(365));

        var state = after.Read(oldLink, TokenPurpose.Unsubscribe, out var claims);
        var newLink = after.Create(TokenPurpose.Unsubscribe, SubscriberId, TimeSpan.FromDays(365));

        Assert.Equal(TokenState.Valid, state);
        Assert.Equal(SubscriberId, claims.SubscriberId);
        Assert.NotEqual(oldLink, newLink); // new links use the current secret
        Assert.Equal(TokenState.Invalid, before.Read(newLink, TokenPurpose.Unsubscribe, out _));
    }

    [Fact]
    public void Read_SignedWithUnknownSecret_IsInvalid()
    {
        var clock = Clock();
        var stranger = Tokens(clock, OtherSecret);
        var ours = Tokens(clock, Secret, OldSecret);
        var forged = stranger.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1), Nonce);

        Assert.Equal(TokenState.Invalid, ours.Read(forged, TokenPurpose.Confirm, out var claims));
        Assert.Equal(default, claims);
    }

    [Fact]
    public void Read_PreviousSecretsRemoved_OldLinkIsInvalid()
    {
        var clock = Clock();
        var oldLink = Tokens(clock, OldSecret).Create(TokenPurpose.Preferences, SubscriberId, TimeSpan.FromDays(30));

        Assert.Equal(TokenState.Valid, Tokens(clock, Secret, OldSecret).Read(oldLink, TokenPurpose.Preferences, out _));
        Assert.Equal(TokenState.Invalid, Tokens(clock, Secret).Read(oldLink, TokenPurpose.Preferences, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("0123456789abcdef 123456789abcdef")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    public void Create_SubscriberIdNot32HexDigits_Throws(string id)
    {
        var tokens = Tokens(Clock());

        var error = Assert.Throws<ArgumentException>(() => tokens.Create(TokenPurpose.Confirm, id, TimeSpan.FromDays(1)));

        Assert.Equal("subscriberId", error.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0011223344556677ff")]
    [InlineData("001122334455667")]
    [InlineData("001122334455667g")]
    public void Create_NonceNot16HexDigits_Throws(string nonce)
    {
        var tokens = Tokens(Clock());

        var error = Assert.Throws<ArgumentException>(() => tokens.Create(TokenPurpose.Confirm, SubscriberId, TimeSpan.FromDays(1), nonce));

        Assert.Equal("nonce", error.ParamName);
    }
}
