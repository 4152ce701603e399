using EnContact.Syndication.Storage;
using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Base;

/// <summary>The admin HTTP API. Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    public const int MinTokenLength = 24;

    /// <summary>
    /// Bearer token for <c>/api/*</c>. Required outside Development (at least 24 characters);
    /// in Development a random one is made for the run and logged when none is set. No default.
    /// </summary>
    [Secret]
    public string? ApiToken { get; set; }

    /// <summary>Largest request body accepted, in bytes. Default 8 MiB (an article file may be 4 MiB, and JSON escapes it).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Requests per minute one client address may make to public endpoints. Default 120.</summary>
    [Range(1, 100_000)]
    public int PublicRequestsPerMinute { get; set; } = 120;

    /// <summary>
    /// Addresses of reverse proxies (nginx, a load balancer) whose <c>X-Forwarded-For</c> and
    /// <c>X-Forwarded-Proto</c> are believed, so that per-client rate limits see the real client. Empty:
    /// those headers are ignored (anyone could forge them). Default none.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Set at start-up when <see cref="ApiToken"/> was generated for this Development run (so it must be shown once).</summary>
    internal bool TokenWasGenerated { get; set; }
}
