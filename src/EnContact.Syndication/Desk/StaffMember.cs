namespace EnContact.Syndication.Desk;

/// <summary>What a staff member may do at the desk. Editors handle editions, articles and feeds; administrators also subscribers and the settings view.</summary>
public enum StaffRole
{
    Editor,
    Administrator,
}

/// <summary>A named account of the desk. The password hash never leaves <see cref="StaffStore"/> and <see cref="SignIn"/>.</summary>
public sealed record StaffMember(
    string Name, string Email, StaffRole Role, string SecurityStamp, int FailedSignIns, DateTimeOffset? LockedUntil,
    DateTimeOffset? LastSignInAt, DateTimeOffset CreatedAt)
{
    /// <summary>The claim type and role names the cookie carries.</summary>
    public const string StampClaim = "encontact:stamp";
    public const string EmailClaim = "encontact:email";
}
