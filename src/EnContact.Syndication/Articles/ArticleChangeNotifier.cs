using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Articles;

/// <summary>
/// Tells in-process readers (feed builder, scheduler) that the article store moved past a version
/// of its change counter, so they can ask the store for "changed since N" instead of polling or rescanning.
/// </summary>
public sealed class ArticleChangeNotifier : VersionSignal;
