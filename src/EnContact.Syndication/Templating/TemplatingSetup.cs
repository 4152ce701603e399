
namespace EnContact.Syndication.Templating;

public static class TemplatingSetup
{
    /// <summary>The template folders compiled at start-up.</summary>
    public static readonly string[] Folders = ["pages", "email", "digest", "admin"];

    public static IServiceCollection AddTemplating(this IServiceCollection services, IHostEnvironment environment)
    {
        services.AddSectionOptions<TemplateOptions>(TemplateOptions.Section, options => TemplateRules(options, environment));
        services.AddSingleton<TemplateRenderer>();
        services.AddSingleton<PageRenderer>();
        services.AddHostedService<TemplateWarmup>();
        return services;
    }

    private static IEnumerable<string> TemplateRules(TemplateOptions options, IHostEnvironment environment)
    {
        if (options.Path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            yield return $"Path: '{options.Path}' is not a valid path";
        else if (Path.GetFullPath(options.Path, environment.ContentRootPath) is var full && !Directory.Exists(full))
            yield return $"Path: the templates folder '{full}' does not exist";
    }

    /// <summary>Compiles every template before the server accepts requests; a broken one stops start-up with its file and line.</summary>
    private sealed class TemplateWarmup(TemplateRenderer renderer, ILogger<TemplateWarmup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var started = TimeProvider.System.GetTimestamp();
            var compiled = await renderer.CompileAllAsync(Folders, cancellationToken);
            logger.LogInformation("Templates in {Folder} ready ({Count} templates, {Origin}) in {Elapsed} ms",
                renderer.Root, compiled.Templates.Count, compiled.Origin switch
                {
                    TemplateOrigin.Cache => "loaded from the cache",
                    TemplateOrigin.Memory => "already compiled in this process",
                    _ => "compiled",
                }, (int)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
