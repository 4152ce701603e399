using EnContact.Syndication.Storage;
using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Members;

/// <summary>Paying members and their private full-text feeds. Section <c>Members</c>.</summary>
public sealed class MembersOptions
{
    public const string Section = "Members";
    public const int MinSecretLength = 32;

    /// <summary>
    /// Secret the private feed tokens are derived from (HMAC-SHA256 of each member's nonce), at least 32
    /// characters. Changing it changes every member's feed URL. Required outside Development; in
    /// Development one is made once and kept in <see cref="DevelopmentSecretPath"/>. No default.
    /// </summary>
    [Secret]
    public string? FeedTokenSecret { get; set; }

    /// <summary>Where Development keeps the secret it made, relative to the content root. Default <c>data/keys/member-feed.secret</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DevelopmentSecretPath { get; set; } = "data/keys/member-feed.secret";

    /// <summary>Requests one private feed token may make per minute (a reader polls a few feeds every few minutes). Default 30.</summary>
    [Range(1, 10_000)]
    public int RequestsPerMinutePerToken { get; set; } = 30;

    /// <summary>A member whose token was polled from more distinct client addresses than this within <see cref="SharingWindow"/> is listed as possibly shared. Default 5.</summary>
    [Range(1, 10_000)]
    public int SharingThreshold { get; set; } = 5;

    /// <summary>How long the keyed hashes of the client addresses that polled a member's feeds are kept. Default 7 days.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "90.00:00:00")]
    public TimeSpan SharingWindow { get; set; } = TimeSpan.FromDays(7);
}
