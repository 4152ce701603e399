using System.Reflection;
using System.Security.Cryptography;

namespace EnContact.Syndication.Desk;

/// <summary>
/// The desk's stylesheet and script, embedded in the executable and served from memory with an ETag.
/// Pages link them with <see cref="Version"/> (a hash of both) in the query, so a new release is
/// fetched at once and an unchanged one is cached.
/// </summary>
public static class DeskAssets
{
    private static readonly Dictionary<string, (byte[] Bytes, string ContentType)> Files = Load();

    public static readonly string Version = Convert.ToHexStringLower(SHA256.HashData(Files.OrderBy(f => f.Key).SelectMany(f => f.Value.Bytes).ToArray()))[..12];

    private static readonly string ETag = $"\"{Version}\"";

    public static IResult Serve(string name, HttpContext http)
    {
        if (!Files.TryGetValue(name, out var file))
            return TypedResults.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=86400";
        http.Response.Headers.ETag = ETag;
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (http.Request.Headers.IfNoneMatch.ToString() == ETag)
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(file.Bytes, file.ContentType);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith("DeskAssets.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource["DeskAssets.".Length..];
            files[name] = (buffer.ToArray(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }
        return files;
    }
}
