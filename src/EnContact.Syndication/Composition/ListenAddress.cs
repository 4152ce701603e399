using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace EnContact.Syndication.Composition;

/// <summary>
/// Where the HTTP server listens, and the public URLs Development derives from it.
/// Our setting is <c>Kestrel:Endpoints:Http:Url</c>. As in every ASP.NET Core host (containers rely
/// on it), <c>--urls</c>, <c>ASPNETCORE_URLS</c>/<c>DOTNET_URLS</c> and
/// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (or their <c>DOTNET_</c> forms) set it too: the
/// one exception to "only ENCONTACT__ variables". Highest first: <c>ENCONTACT__Kestrel__Endpoints__…</c>,
/// <c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>, the ports variables, the appsettings files, the default.
/// </summary>
public static class ListenAddress
{
    public const string Key = PublicUrls.ListenKey;
    public const string Default = PublicUrls.DefaultListen;

    /// <summary>
    /// The Kestrel endpoints the standard hosting inputs ask for: the first address replaces the
    /// <c>Http</c> endpoint, further ones become <c>Url2</c>, <c>Url3</c>…; none when no input is given
    /// or when our own settings name endpoints (they win). Unreadable inputs are added to <paramref name="problems"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> FromHostingInputs(GatewaySettings settings, bool oursNameEndpoints, List<string> problems)
    {
        string? Variable(string name) => settings.ReadEnvironmentVariables ? Environment.GetEnvironmentVariable(name) : null;
        (string Source, string Value)? First(params string[] names) =>
            names.Select(n => (Source: n, Value: Variable(n))).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v.Value)) is { Value: { } value } found ? (found.Source, value) : null;

        var addresses = new List<string>();
        var urls = !string.IsNullOrWhiteSpace(settings.Urls) ? ("--urls", settings.Urls) : First("ASPNETCORE_URLS", "DOTNET_URLS");
        if (urls is var (source, list))
        {
            foreach (var url in Split(list))
            {
                if (PublicUrls.Parse(url) is null)
                    problems.Add($"{source}: '{url}' is not an http(s) address such as http://127.0.0.1:5080");
                else
                    addresses.Add(url);
            }
        }
        else
        {
            // As in ASP.NET Core: the ports variables count only when no address list is given.
            foreach (var (scheme, names) in new[] { ("http", new[] { "ASPNETCORE_HTTP_PORTS", "DOTNET_HTTP_PORTS" }), ("https", ["ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTPS_PORTS"]) })
            {
                if (First(names) is not var (portsSource, ports))
                    continue;
                foreach (var port in Split(ports))
                {
                    if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535)
                        addresses.Add($"{scheme}://*:{number}");
                    else
                        problems.Add($"{portsSource}: '{port}' is not a port number (1 to 65535)");
                }
            }
        }

        var endpoints = new Dictionary<string, string?>();
        if (oursNameEndpoints)
            return endpoints;
        for (var i = 0; i < addresses.Count; i++)
            endpoints[i == 0 ? Key : $"Kestrel:Endpoints:Url{i + 1}:Url"] = addresses[i];
        return endpoints;
    }

    /// <summary>Kestrel ignores what it does not know (a misspelt <c>Endpoints</c> would leave the default address), and every endpoint needs an address it can bind.</summary>
    public static IEnumerable<string> Problems(IConfiguration configuration)
    {
        foreach (var setting in configuration.GetSection("Kestrel").GetChildren().Where(s => !KestrelSettings.Contains(s.Key, StringComparer.OrdinalIgnoreCase)))
            foreach (var leaf in SettingsShape.Leaves(setting))
                yield return $"{leaf.Path}: is not a Kestrel setting{SettingsShape.DidYouMean(setting.Key, KestrelSettings)}";
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            var url = endpoint["Url"];
            if (string.IsNullOrWhiteSpace(url))
                yield return $"{endpoint.Path}:Url: is required (where the endpoint listens, e.g. {Default})";
            else if (PublicUrls.Parse(url) is null)
                yield return $"{endpoint.Path}:Url: '{url}' is not an http(s) address such as {Default}";
        }
    }

    /// <summary>What Kestrel reads from its section: its configuration loader's sections and its options' properties.</summary>
    private static readonly string[] KestrelSettings =
        ["Endpoints", "EndpointDefaults", "Certificates", .. typeof(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions).GetProperties().Select(p => p.Name)];

    private static string[] Split(string list) => list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
