using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EnContact.Syndication.Tests.Sources;

/// <summary>
/// A real HTTP server on 127.0.0.1 (a free port) standing in for the magazine's CMS: each path
/// answers with what the test set for it; every request is recorded with its headers.
/// </summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RequestDelegate> _routes = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string PathAndQuery, string? IfNoneMatch, string? UserAgent)> Requests { get; } = new();

    private UpstreamServer(WebApplication app) => _app = app;

    public static async Task<UpstreamServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new UpstreamServer(app);
        app.Run(async context =>
        {
            var path = context.Request.Path + context.Request.QueryString;
            server.Requests.Enqueue((path, context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } tag ? tag : null, context.Request.Headers.UserAgent.ToString()));
            if (server._routes.TryGetValue(path, out var handler))
                await handler(context);
            else
                context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
        await app.StartAsync();
        return server;
    }

    public Uri BaseAddress => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

    public string Url(string pathAndQuery) => new Uri(BaseAddress, pathAndQuery).AbsoluteUri;

    public void Serve(string pathAndQuery, RequestDelegate handler) => _routes[pathAndQuery] = handler;

    /// <summary>Serves bytes with a media type and, when given, an ETag that a matching If-None-Match turns into a 304.</summary>
    public void ServeBytes(string pathAndQuery, byte[] body, string mediaType, string? etag = null, string? cacheControl = null) =>
        Serve(pathAndQuery, async context =>
        {
            if (cacheControl is not null)
                context.Response.Headers.CacheControl = cacheControl;
            if (etag is not null)
            {
                context.Response.Headers.ETag = etag;
                if (context.Request.Headers.IfNoneMatch.ToString() == etag)
                {
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }
            }
            context.Response.ContentType = mediaType;
            await context.Response.Body.WriteAsync(body);
        });

    public void ServeFixture(string pathAndQuery, string fixture, string mediaType, string? etag = null, string? cacheControl = null) =>
        ServeBytes(pathAndQuery, Fixture(fixture), mediaType, etag, cacheControl);

    public void ServeText(string pathAndQuery, string text, string mediaType, string? etag = null) =>
        ServeBytes(pathAndQuery, System.Text.Encoding.UTF8.GetBytes(text), mediaType, etag);

    public void ServeStatus(string pathAndQuery, int status, string? retryAfter = null) =>
        Serve(pathAndQuery, context =>
        {
            context.Response.StatusCode = status;
            if (retryAfter is not null)
                context.Response.Headers.RetryAfter = retryAfter;
            return Task.CompletedTask;
        });

    public int RequestsTo(string pathAndQuery) => Requests.Count(r => r.PathAndQuery == pathAndQuery);

    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Sources", "Fixtures", name));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
