using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Desk;

/// <summary>
/// The desk's sessions: a cookie scheme of its own (HttpOnly, Secure, SameSite=Strict, path /admin,
/// sliding expiry), and two policies, editor and administrator. The admin API keeps its bearer token:
/// the two never open each other's doors. Each request checks the account still exists with the same
/// security stamp, so removing an account or changing its password ends its sessions.
/// </summary>
public static class DeskAuthentication
{
    public const string Scheme = "Desk";
    public const string EditorPolicy = "DeskEditor";
    public const string AdministratorPolicy = "DeskAdministrator";
    public const string CookieName = "encontact.desk";

    public static IServiceCollection AddDeskAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme);
        services.AddOptions<CookieAuthenticationOptions>(Scheme).Configure<IOptions<DeskOptions>>((cookie, desk) =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.Path = DeskRoutes.Root;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.ExpireTimeSpan = desk.Value.SessionTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = DeskRoutes.SignIn;
            cookie.LogoutPath = DeskRoutes.SignOut;
            cookie.AccessDeniedPath = DeskRoutes.Forbidden;
            cookie.ReturnUrlParameter = "retour";
            cookie.Events.OnValidatePrincipal = ValidateAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(EditorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(AdministratorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(EnumText.Of(StaffRole.Administrator)));
        return services;
    }

    public static ClaimsPrincipal Principal(StaffMember member) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, member.Name),
            new Claim(ClaimTypes.Role, EnumText.Of(member.Role)),
            new Claim(StaffMember.EmailClaim, member.Email),
            new Claim(StaffMember.StampClaim, member.SecurityStamp),
        ], Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>A removed account, a new password or a changed role ends the session at its next request.</summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var stamp = context.Principal?.FindFirstValue(StaffMember.StampClaim);
        var store = context.HttpContext.RequestServices.GetRequiredService<StaffStore>();
        var member = name is null ? null : await store.FindAsync(name, context.HttpContext.RequestAborted);
        if (member is null || member.SecurityStamp != stamp || EnumText.Of(member.Role) != context.Principal!.FindFirstValue(ClaimTypes.Role))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
