namespace EnContact.Syndication.Desk;

/// <summary>The editor's desk: staff accounts, sessions, and the pages under <c>/admin</c>.</summary>
public static class DeskSetup
{
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        services.AddSectionOptions<DeskOptions>(DeskOptions.Section);
        services.AddSingleton<StaffStore>();
        services.AddSingleton<StaffPasswords>();
        services.AddSingleton<SignIn>();
        services.AddSingleton<DeskPageKit>();
        services.AddSingleton<DeskImportStore>();
        services.AddHostedService<WaitingEditionAnnouncer>();
        services.AddDeskAuthentication();
        return services;
    }

    /// <summary>The desk's routes. GET only shows; every POST passes the anti-forgery check first.</summary>
    public static IEndpointRouteBuilder MapDesk(this IEndpointRouteBuilder app)
    {
        app.MapGet(DeskRoutes.Assets + "/{name}", (string name, HttpContext http) => DeskAssets.Serve(name, http)).ExcludeFromDescription();

        var open = app.MapGroup(DeskRoutes.Root).AddEndpointFilter<FormGuard>().RequireRateLimiting(BaseSetup.PublicRateLimit).ExcludeFromDescription();
        open.MapGet("/connexion", SignInPages.ShowAsync).RequireAuthorization(AllowDeskCookie);
        open.MapPost("/connexion", SignInPages.SignInAsync).RequireAuthorization(AllowDeskCookie);

        var desk = app.MapGroup(DeskRoutes.Root).RequireAuthorization(DeskAuthentication.EditorPolicy).AddEndpointFilter<FormGuard>().ExcludeFromDescription();
        desk.MapPost("/deconnexion", (Func<HttpContext, Task<IResult>>)SignInPages.SignOutAsync);
        desk.MapGet("/interdit", SignInPages.ForbiddenAsync);
        desk.MapGet("/", (Func<HttpContext, Task<IResult>>)NextEditionPage.ShowAsync);
        desk.MapGet("/lettre/apercu", NextEditionPage.PreviewAsync);
        desk.MapPost("/lettre/test", NextEditionPage.SendTestAsync);
        desk.MapPost("/lettre/{key}/approuver", NextEditionPage.ApproveAsync);
        desk.MapPost("/lettre/{key}/reconstruire", NextEditionPage.RebuildAsync);
        desk.MapPost("/lettre/{key}/rejeter", NextEditionPage.DiscardAsync);
        desk.MapPost("/lettre/{key}/liberer", NextEditionPage.ReleaseAsync);
        desk.MapGet("/editions", EditionsPage.ShowAsync);
        desk.MapGet("/editions/progres", EditionsPage.StreamAsync);
        desk.MapPost("/editions/{key}/pause", EditionsPage.PauseAsync);
        desk.MapPost("/editions/{key}/reprendre", EditionsPage.ResumeAsync);
        desk.MapPost("/editions/{key}/annuler", EditionsPage.CancelAsync);
        desk.MapGet("/articles", ArticlesPage.ShowAsync);
        desk.MapPost("/articles/flux", ArticlesPage.RebuildFeedsAsync);

        desk.MapGet("/flux", FeedsPage.ShowAsync);

        var administrators = desk.MapGroup("").RequireAuthorization(DeskAuthentication.AdministratorPolicy);
        administrators.MapGet("/abonnes", SubscribersPages.ShowAsync);
        administrators.MapGet("/abonnes/export", SubscribersPages.ExportAsync);
        administrators.MapPost("/abonnes/import", SubscribersPages.CheckImportAsync);
        administrators.MapPost("/abonnes/import/{id}/appliquer", SubscribersPages.ApplyImportAsync);
        administrators.MapGet("/abonnes/{id}", SubscribersPages.ShowOneAsync);
        administrators.MapPost("/abonnes/{id}/effacer", SubscribersPages.EraseAsync);
        administrators.MapGet("/membres", MembersPage.ShowAsync);
        administrators.MapGet("/reglages", SettingsPage.ShowAsync);
        administrators.MapPost("/lettre/{key}/forcer", NextEditionPage.OverrideAsync);
        return app;
    }

    /// <summary>The sign-in page reads the desk cookie (a signed-in visitor goes on) but lets everyone in.</summary>
    private static readonly Microsoft.AspNetCore.Authorization.AuthorizationPolicy AllowDeskCookie =
        new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(DeskAuthentication.Scheme).RequireAssertion(_ => true).Build();
}
