using Microsoft.AspNetCore.Http;

namespace EnContact.Syndication.Base;

/// <summary>
/// The address the gateway listens at, as features need it: the public URLs Development derives from
/// it when nobody set them, and the words that tell an operator to set one.
/// </summary>
public static class PublicUrls
{
    public const string ListenKey = "Kestrel:Endpoints:Http:Url";
    public const string DefaultListen = "http://127.0.0.1:5080";

    /// <summary>
    /// In Development, a public URL nobody set is the listen address (a wildcard host becomes
    /// <c>localhost</c>), so changing the port moves every link with it. Elsewhere, or when the port is
    /// chosen at start (0), it stays unset and validation asks for it.
    /// </summary>
    public static string? OrDerived(string? publicUrl, IConfiguration configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(publicUrl) || !environment.IsDevelopment())
            return publicUrl;
        if (Parse(configuration[ListenKey]) is not { Port: > 0 } address)
            return publicUrl;
        var host = address.Host is "*" or "+" or "0.0.0.0" or "[::]" ? "localhost" : address.Host;
        return $"{address.Scheme}://{host}:{address.Port}/";
    }

    /// <summary>Why a section's <c>PublicUrl</c> is missing, in the words the operator needs; <paramref name="example"/> shows a production value.</summary>
    public static string MissingPublicUrl(string section, string example, IServiceProvider services)
    {
        var listen = services.GetRequiredService<IConfiguration>()[ListenKey];
        return services.GetRequiredService<IHostEnvironment>().IsDevelopment()
            ? $"PublicUrl: is not set, and the listen address {listen} has no fixed port to derive it from; set ENCONTACT__{section}__PublicUrl"
            : $"PublicUrl: is required outside Development: the address readers reach the gateway at, e.g. ENCONTACT__{section}__PublicUrl={example}";
    }

    public static BindingAddress? Parse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            return null;
        try
        {
            var address = BindingAddress.Parse(url);
            return address.Scheme is "http" or "https" && !string.IsNullOrEmpty(address.Host) ? address : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
