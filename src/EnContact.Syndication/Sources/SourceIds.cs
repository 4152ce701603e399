using System.Security.Cryptography;
using System.Text;

namespace EnContact.Syndication.Sources;

/// <summary>
/// The ids an upstream feed's items get. An article's id comes from the item's own identity (guid,
/// Atom id, JSON Feed id; its link when it has none), never from its place in the feed, so it is the
/// same on every poll whatever the order; the source's name in front keeps two feeds apart.
/// </summary>
public static class SourceIds
{
    public const string SourcePrefix = Ingestion.ArticlesApi.FeedSourcePrefix;

    /// <summary>The <c>source</c> recorded on the articles of feed <paramref name="name"/>, and the key of its fetch-level problem.</summary>
    public static string SourceOf(string name) => SourcePrefix + name;

    /// <summary>The key of an item's problem in the ingestion problems.</summary>
    public static string ItemProblemOf(string name, string articleId) => $"{SourcePrefix}{name}#{articleId}";

    /// <summary>"&lt;name&gt;-&lt;12 hex digits of SHA-256(key)&gt;": valid for <c>ArticleNormalizer.IsValidId</c> with any key.</summary>
    public static string ArticleId(string name, string itemKey) => $"{name}-{Hex(itemKey)[..12]}";

    /// <summary>The key as the items table holds it: itself, or its hash when it is too long for the column.</summary>
    public static string StorageKey(string itemKey) => itemKey.Length <= 1000 ? itemKey : "sha256:" + Hex(itemKey);

    public static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
