using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Hosting;

/// <summary>Guards the admin API with the bearer token from <c>Admin:ApiToken</c>.</summary>
public static class AdminAuthentication
{
    public static TBuilder RequireAdminToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
            if (IsAuthorized(context.HttpContext.Request.Headers.Authorization.ToString(), options.ApiToken))
                return await next(context);

            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"encontact-admin\"";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: "Send the admin token as 'Authorization: Bearer <token>' (setting Admin:ApiToken).");
        });

    /// <summary>Constant-time comparison of the presented bearer token with the configured one.</summary>
    public static bool IsAuthorized(string authorizationHeader, string? expectedToken)
    {
        if (string.IsNullOrEmpty(expectedToken) || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader["Bearer ".Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(expectedToken));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
