namespace EnContact.Syndication.Articles;

public static class ArticlesSetup
{
    public static IServiceCollection AddArticles(this IServiceCollection services)
    {
        services.AddSingleton<ArticleChangeNotifier>();
        services.AddSingleton<ArticleStore>();
        services.AddSingleton<EnContact.Syndication.Storage.IChangeSubscriber, ArticleChanges>();
        services.AddHostedService<ScheduledPublicationWorker>();
        return services;
    }
}
