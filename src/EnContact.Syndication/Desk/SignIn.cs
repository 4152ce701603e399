using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

/// <summary>
/// Checks a name and password. Every refusal is the same to the caller — unknown name, wrong password,
/// locked account — and takes about as long, so the sign-in page tells nobody which names exist.
/// Failures are counted per account; <see cref="DeskOptions.MaxFailedSignIns"/> in a row lock it for
/// <see cref="DeskOptions.LockoutDuration"/>, during which even the right password is refused.
/// </summary>
public sealed class SignIn(StaffStore store, StaffPasswords passwords, IOptions<DeskOptions> options, TimeProvider time, ILogger<SignIn> logger)
{
    public async Task<StaffMember?> CheckAsync(string? name, string? password, CancellationToken cancellationToken)
    {
        password ??= "";
        var key = StaffPasswords.NormalizeName(name);
        if (key is null || await store.FindWithHashAsync(key, cancellationToken) is not ({ } member, { } hash))
        {
            passwords.Decoy(password);
            logger.LogWarning("Desk sign-in refused: no such account");
            return null;
        }
        if (member.LockedUntil is { } until && until > time.GetUtcNow())
        {
            passwords.Decoy(password);
            logger.LogWarning("Desk sign-in refused: {Staff} is locked until {Until:u}", member.Name, until);
            return null;
        }
        if (!passwords.Verify(hash, password))
        {
            await store.RecordFailureAsync(member.Name, options.Value.MaxFailedSignIns, options.Value.LockoutDuration, cancellationToken);
            logger.LogWarning("Desk sign-in refused: wrong password for {Staff} ({Failures} in a row)", member.Name, member.FailedSignIns + 1);
            return null;
        }
        await store.RecordSuccessAsync(member.Name, cancellationToken);
        logger.LogInformation("{Staff} signed in to the desk", member.Name);
        return member;
    }
}
