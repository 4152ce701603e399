using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace EnContact.Syndication.Desk;

/// <summary>
/// Staff names and passwords: the rules, and ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (PBKDF2-HMAC-SHA512, salted, 100,000 iterations in its v3 format) for the hashes.
/// </summary>
public sealed partial class StaffPasswords
{
    public const int MinLength = 12;
    public const int MaxLength = 1024;

    private static readonly PasswordHasher<StaffMember> Hasher = new();

    /// <summary>Checked against when the name is unknown, so that a wrong name takes as long as a wrong password.</summary>
    private static readonly string DecoyHash = Hasher.HashPassword(null!, "decoy password that no account has");

    public string Hash(string password) => Hasher.HashPassword(null!, password);

    public bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(null!, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>Spends the time of one check, for an unknown name or a locked account.</summary>
    public void Decoy(string password) => Hasher.VerifyHashedPassword(null!, DecoyHash, password);

    /// <summary>What is wrong with a new password, or null.</summary>
    public static string? Problem(string password) =>
        password.Length < MinLength ? $"the password must have at least {MinLength} characters"
        : password.Length > MaxLength ? $"the password must have at most {MaxLength} characters"
        : password.Any(char.IsControl) ? "the password must be one line without control characters"
        : null;

    /// <summary>A staff name as stored (lower-case), or null when it is not 1–64 letters, digits, '.', '_' or '-'.</summary>
    public static string? NormalizeName(string? name) =>
        name?.Trim().ToLowerInvariant() is { } n && NamePattern().IsMatch(n) ? n : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
