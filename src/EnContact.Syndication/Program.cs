using EnContact.Syndication.Articles;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Compliance;
using EnContact.Syndication.Composition;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Desk;
using EnContact.Syndication.Digests;
using EnContact.Syndication.Feeds;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Members;
using EnContact.Syndication.Sources;
using EnContact.Syndication.Storage;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;

namespace EnContact.Syndication;

/// <summary>The gateway's table of contents: which features it has and where they are wired.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => Cli.InvokeAsync(args);

    /// <summary>Builds the whole gateway (not started). Tests pass settings to point it at their own files, port and clock.</summary>
    public static WebApplication CreateApp(GatewaySettings? settings = null)
    {
        settings ??= new GatewaySettings();
        var builder = GatewayConfiguration.CreateBuilder(settings);

        builder.Services.AddSingleton(settings.TimeProvider ?? TimeProvider.System);
        builder.Services.AddSettingsCheck();
        // First: its start-up migration must run before any other hosted service reads the database
        // (the data protection key ring, which authentication registers, is read at start).
        builder.Services.AddStorage();
        builder.Services.AddSite();
        builder.Services.AddPersonalData(builder.Environment);
        builder.Services.AddAdmin(builder.Environment);
        builder.Services.AddAdminAuthentication();
        builder.Services.AddArticles();
        builder.Services.AddIngestion();
        builder.Services.AddSources(); // the magazine's CMS feeds, polled into articles like files
        builder.Services.AddFeeds();
        builder.Services.AddDelivery();
        builder.Services.AddTemplating(builder.Environment);
        builder.Services.AddSubscribers(builder.Environment);
        builder.Services.AddMembers(builder.Environment); // paying members and their private full-text feeds
        builder.Services.AddDigests();
        builder.Services.AddBounces(); // reports that come back: bounces, complaints, mailed unsubscribes
        builder.Services.AddBounceMailbox(); // reads returned mail over IMAP and hands each message to the above
        builder.Services.AddCompliance(); // the checks an edition's letter passes before it is queued
        builder.Services.AddDesk(); // the editor's desk at /admin: staff accounts, sessions, pages
        builder.Services.AddSingleton<ILetterArchive, DigestLetters>(); // editions → the letter archive's feed
        builder.Services.AddPageChrome(); // the site's feeds → every public page's autodiscovery links
        builder.Services.AddTelemetry(builder.Configuration); // metrics (/metrics, OTLP) and traces, by setting
        settings.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build().ValidateSettings();
        app.UseTrustedProxies();
        app.UseErrorPages(); // French pages for browsers, problem details for programs
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealth();
        app.MapTelemetry();
        app.MapFeeds();
        app.MapSubscriptionPages();
        app.MapMembers();
        app.MapDigestArchive();
        app.MapDesk();

        var admin = app.MapAdminApi();
        admin.MapArticlesApi();
        admin.MapSourcesApi();
        admin.MapDeliveryApi();
        admin.MapSubscribersApi();
        admin.MapMembersApi();
        admin.MapBouncesApi();
        admin.MapDigestsApi();
        app.LogStartupSummary();
        return app;
    }
}
