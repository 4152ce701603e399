using EnContact.Syndication.Storage;
using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Base;

/// <summary>The key that makes address labels and erasure hashes unguessable. Section <c>PersonalData</c>.</summary>
public sealed class PersonalDataOptions
{
    public const string Section = "PersonalData";
    public const int MinKeyLength = 32;

    /// <summary>
    /// HMAC key of the address labels in logs and of the hashes erasure leaves. Required outside
    /// Development (at least 32 characters, from the environment: <c>ENCONTACT__PersonalData__HashKey</c>).
    /// Never change it once set: erased addresses would no longer be recognised. In Development one is
    /// made once and kept in <see cref="DevelopmentKeyPath"/>. No default.
    /// </summary>
    [Secret]
    public string? HashKey { get; set; }

    /// <summary>Where Development keeps the key it made, relative to the content root. Default <c>data/keys/personal-data.key</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DevelopmentKeyPath { get; set; } = "data/keys/personal-data.key";
}
