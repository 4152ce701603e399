using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>The public links of a subscriber (in mails) and the paths of the pages (in forms), all under <see cref="SubscribersOptions.PublicUrl"/>.</summary>
public sealed class SubscriberLinks(IOptions<SubscribersOptions> options, SubscriberTokens tokens)
{
    private readonly SubscribersOptions _options = options.Value;

    public string SubscribeUrl => Absolute("subscribe");

    public string ConfirmUrl(string subscriberId, string nonce) =>
        Absolute("confirm/" + tokens.Create(TokenPurpose.Confirm, subscriberId, _options.ConfirmLinkLifetime, nonce));

    public string UnsubscribeUrl(string subscriberId) => Absolute(UnsubscribePath(subscriberId));

    /// <summary>The reader's token for the unsubscribe mailbox's address (desabonnement+token@…), as long-lived as the links.</summary>
    public string UnsubscribeMailToken(string subscriberId) => tokens.CreateCompact(TokenPurpose.Unsubscribe, subscriberId, _options.LinkLifetime);

    public string PreferencesUrl(string subscriberId) =>
        Absolute("preferences/" + tokens.Create(TokenPurpose.Preferences, subscriberId, _options.LinkLifetime));

    /// <summary>Whether the links can carry RFC 8058 one-click unsubscribe (https only).</summary>
    public bool SupportsOneClick => _options.PublicUri.Scheme == Uri.UriSchemeHttps;

    /// <summary>A path on this gateway as the visitor's browser sees it (keeps a path prefix of the public URL).</summary>
    public string Path(string relative) => _options.PublicUri.AbsolutePath + relative;

    private string UnsubscribePath(string subscriberId) =>
        "unsubscribe/" + tokens.Create(TokenPurpose.Unsubscribe, subscriberId, _options.LinkLifetime);

    public string UnsubscribeLocalPath(string subscriberId) => Path(UnsubscribePath(subscriberId));

    public string Absolute(string relative) => new Uri(_options.PublicUri, relative).AbsoluteUri;
}
