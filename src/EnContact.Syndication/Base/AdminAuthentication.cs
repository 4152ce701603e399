using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Base;

/// <summary>
/// The admin API's bearer token (<c>Admin:ApiToken</c>) as an ASP.NET Core authentication scheme,
/// and one authorization policy that every <c>/api</c> route carries through one route group.
/// Authorization runs as middleware, before the endpoint binds its parameters: a request without
/// the token gets 401 and its body is never read.
/// </summary>
public static class AdminAuthentication
{
    public const string Scheme = "AdminToken";
    public const string Policy = "Admin";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TokenHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>The route group every admin endpoint is mapped in: <c>/api</c>, admin policy, no anonymous access.</summary>
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api").RequireAuthorization(Policy).WithTags("Admin");

    /// <summary>Constant-time comparison of the presented bearer token with the configured one.</summary>
    public static bool IsAuthorized(string authorizationHeader, string? expectedToken)
    {
        if (string.IsNullOrEmpty(expectedToken) || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader["Bearer ".Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(expectedToken));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    private sealed class TokenHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggers, UrlEncoder encoder, IOptions<AdminOptions> admin)
        : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggers, encoder)
    {
        private static readonly ClaimsPrincipal Operator = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin-token")], AdminAuthentication.Scheme));

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(IsAuthorized(Request.Headers.Authorization.ToString(), admin.Value.ApiToken)
                ? AuthenticateResult.Success(new AuthenticationTicket(Operator, AdminAuthentication.Scheme))
                : AuthenticateResult.NoResult());

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer realm=\"encontact-admin\"";
            // An unread body is not drained into a kept-alive connection: the connection ends with the answer.
            if (Request.ContentLength > 0 || Request.Headers.TransferEncoding.Count > 0)
                Response.Headers.Connection = "close";
            await Results.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: "Send the admin token as 'Authorization: Bearer <token>' (setting Admin:ApiToken).").ExecuteAsync(Context);
        }
    }
}
