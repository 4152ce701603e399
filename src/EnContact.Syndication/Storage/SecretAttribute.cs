namespace EnContact.Syndication.Storage;

/// <summary>
/// Marks a setting whose value <c>config-dump</c> must never print (a token, a password, a
/// connection string). Kept in the bottom layer so that every options class, storage's included,
/// can say so.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
