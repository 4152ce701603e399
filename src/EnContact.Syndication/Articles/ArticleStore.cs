using System.Text;
using EnContact.Syndication.Storage;
using System.Data.Common;

namespace EnContact.Syndication.Articles;

/// <summary>Raised when a save would give two live articles the same slug (and so the same URL).</summary>
public sealed class SlugConflictException(string slug, string otherId)
    : Exception($"slug '{slug}' is already used by article '{otherId}'")
{
    public string Slug { get; } = slug;
    public string OtherId { get; } = otherId;
}

/// <summary>
/// The one place articles are read and written. Every write that changes what a reader sees takes
/// the next value of the <c>articles</c> change counter and stamps it on the row, so readers can
/// ask for "changed since version N" without rescanning.
/// </summary>
public sealed class ArticleStore(Database connections, ArticleChangeNotifier notifier, TimeProvider time)
{
    private const string Columns =
        "id, slug, title, summary, content_html, authors_json, section, issue, tags_json, access, language, " +
        "published_at, updated_at, canonical_url, image_url, source, content_hash, status, version, first_published_at";

    private const string SelectById = $"SELECT {Columns} FROM articles WHERE id = @id";

    public ArticleChangeNotifier Changes => notifier;

    public async Task<Article?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id, cancellationToken);
    }

    public async Task<ArticlePage> ListAsync(ArticleQuery query, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("WHERE 1 = 1");
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        if (query.Section is not null)
        {
            where.Append(" AND section = @section");
            command.Parameters.AddWithValue("@section", query.Section);
        }
        if (query.Status is { } status)
        {
            where.Append(" AND status = @status");
            command.Parameters.AddWithValue("@status", EnumText.Of(status));
        }
        if (query.UpdatedSince is { } since)
        {
            where.Append(" AND updated_at >= @since");
            command.Parameters.AddWithValue("@since", SqlValues.Instant(since));
        }
        if (query.ChangedSinceVersion is { } version)
        {
            where.Append(" AND version > @version");
            command.Parameters.AddWithValue("@version", version);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            // A plain substring: % and _ typed by an editor are matched literally.
            where.Append(" AND (LOWER(title) LIKE @search ESCAPE '\\' OR slug LIKE @search ESCAPE '\\' OR LOWER(id) LIKE @search ESCAPE '\\')");
            command.Parameters.AddWithValue("@search", "%" + query.Search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%");
        }

        command.CommandText = $"SELECT COUNT(*) FROM articles {where}";
        var total = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));

        command.CommandText = $"SELECT {Columns} FROM articles {where} ORDER BY published_at DESC, id LIMIT @limit OFFSET @offset";
        command.Parameters.AddWithValue("@limit", query.PageSize);
        command.Parameters.AddWithValue("@offset", (long)(query.Page - 1) * query.PageSize);
        return new ArticlePage(await ReadAllAsync(command, cancellationToken), query.Page, query.PageSize, total);
    }

    /// <summary>Every published article (what feeds are made of), newest first.</summary>
    public async Task<IReadOnlyList<Article>> ListPublishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM articles WHERE status = 'published' ORDER BY published_at DESC, id";
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>Published articles with <paramref name="after"/> &lt; publication ≤ <paramref name="until"/>, oldest first (what a digest period holds).</summary>
    public async Task<IReadOnlyList<Article>> PublishedBetweenAsync(DateTimeOffset after, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM articles WHERE status = 'published' AND published_at > @after AND published_at <= @until ORDER BY published_at, id";
        command.Parameters.AddWithValue("@after", SqlValues.Instant(after));
        command.Parameters.AddWithValue("@until", SqlValues.Instant(until));
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>Articles whose version is above <paramref name="version"/>, oldest change first.</summary>
    public async Task<IReadOnlyList<Article>> ChangedSinceAsync(long version, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM articles WHERE version > @version ORDER BY version LIMIT @limit";
        command.Parameters.AddWithValue("@version", version);
        command.Parameters.AddWithValue("@limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<long> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM change_counters WHERE name = 'articles'";
        var version = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        notifier.Publish(version);
        return version;
    }

    /// <summary>
    /// Creates or replaces an article exactly as given; writes nothing when its hash, status and
    /// <c>updated</c> are unchanged. Sources settle an article against its stored version first
    /// (kept slug, moved <c>updated</c>) through the overload that takes a settle function.
    /// </summary>
    public Task<(SaveOutcome Outcome, Article Stored)> SaveAsync(Article article, CancellationToken cancellationToken) =>
        SaveAsync(article.Id, _ => article, cancellationToken);

    /// <summary>
    /// Creates or replaces article <paramref name="id"/> with what <paramref name="settle"/> makes of
    /// the stored version (null when there is none), read in the same transaction as the write, so
    /// what was published cannot change between the decision and the save.
    /// </summary>
    public async Task<(SaveOutcome Outcome, Article Stored)> SaveAsync(string id, Func<Article?, Article> settle, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "articles", cancellationToken);
        var existing = await GetAsync(connection, transaction, id, cancellationToken);
        var article = settle(existing);
        if (article.Id != id)
            throw new ArgumentException($"settling article '{id}' gave article '{article.Id}'", nameof(settle));
        var result = await WriteAsync(connection, transaction, existing, article, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await AnnounceAsync(result.Stored.Version, cancellationToken);
        return result;
    }

    /// <summary>Marks an article deleted (the row stays, so readers learn of it). False when unknown or already deleted.</summary>
    public async Task<bool> MarkDeletedAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "articles", cancellationToken);
        var version = await MarkDeletedAsync(connection, transaction, id, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (version is { } v)
            await AnnounceAsync(v, cancellationToken);
        return version is not null;
    }

    /// <summary>Turns every scheduled article whose publication instant has come into a published one.</summary>
    public async Task<int> PublishDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connections.BeginWriteAsync(connection, "articles", cancellationToken);
        await using var due = connection.CreateCommand();
        due.Transaction = transaction;
        due.CommandText = "SELECT id FROM articles WHERE status = 'scheduled' AND published_at <= @now ORDER BY published_at";
        due.Parameters.AddWithValue("@now", SqlValues.Instant(now));
        var ids = new List<string>();
        await using (var reader = await due.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                ids.Add(reader.GetString(0));

        long version = 0;
        foreach (var id in ids)
        {
            version = await NextVersionAsync(connection, transaction, cancellationToken);
            await using var publish = connection.CreateCommand();
            publish.Transaction = transaction;
            publish.CommandText = "UPDATE articles SET status = 'published', version = @version, changed_at = @now, first_published_at = COALESCE(first_published_at, @now) WHERE id = @id";
            publish.Parameters.AddWithValue("@version", version);
            publish.Parameters.AddWithValue("@now", SqlValues.Instant(now));
            publish.Parameters.AddWithValue("@id", id);
            await publish.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (ids.Count > 0)
            await AnnounceAsync(version, cancellationToken);
        return ids.Count;
    }

    /// <summary>The earliest publication instant among scheduled articles, if any.</summary>
    public async Task<DateTimeOffset?> NextScheduledAtAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(published_at) FROM articles WHERE status = 'scheduled'";
        return await command.ExecuteScalarAsync(cancellationToken) is string text ? SqlValues.ReadInstant(text) : null;
    }

    internal async Task<Article?> GetAsync(DbConnection connection, DbTransaction? transaction, string id, CancellationToken cancellationToken, PreparedCommands? commands = null)
    {
        await using var lease = CommandLease.For(commands, connection, transaction, SelectById);
        var command = lease.Command;
        command.Parameters.AddWithValue("@id", id);
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The transactional core of <see cref="SaveAsync(Article, CancellationToken)"/>; the caller commits and then calls <see cref="Announce"/>.</summary>
    internal async Task<(SaveOutcome Outcome, Article Stored)> SaveAsync(
        DbConnection connection, DbTransaction transaction, Article article, CancellationToken cancellationToken) =>
        await WriteAsync(connection, transaction, await GetAsync(connection, transaction, article.Id, cancellationToken), article, cancellationToken);

    /// <summary>As above, when the caller has just read the stored row (<paramref name="existing"/>) in the same transaction.</summary>
    internal Task<(SaveOutcome Outcome, Article Stored)> SaveAsync(
        DbConnection connection, DbTransaction transaction, Article? existing, Article article, CancellationToken cancellationToken, PreparedCommands? commands = null) =>
        existing is not null && existing.Id != article.Id
            ? throw new ArgumentException($"the stored row is article '{existing.Id}', not '{article.Id}'", nameof(existing))
            : WriteAsync(connection, transaction, existing, article, cancellationToken, commands);

    private async Task<(SaveOutcome Outcome, Article Stored)> WriteAsync(
        DbConnection connection, DbTransaction transaction, Article? existing, Article article, CancellationToken cancellationToken, PreparedCommands? commands = null)
    {
        if (existing is not null && existing.ContentHash == article.ContentHash && existing.Status == article.Status
            && existing.UpdatedAt == article.UpdatedAt)
        {
            if (existing.Source == article.Source)
                return (SaveOutcome.Unchanged, existing);
            // A renamed file: readers see nothing new, so the version does not move.
            await using var move = connection.CreateCommand();
            move.Transaction = transaction;
            move.CommandText = "UPDATE articles SET source = @source WHERE id = @id";
            move.Parameters.AddWithValue("@source", article.Source);
            move.Parameters.AddWithValue("@id", article.Id);
            await move.ExecuteNonQueryAsync(cancellationToken);
            return (SaveOutcome.Unchanged, existing with { Source = article.Source });
        }

        if (article.Status != ArticleStatus.Deleted)
            await EnsureSlugFreeAsync(connection, transaction, article, cancellationToken, commands);

        var version = await NextVersionAsync(connection, transaction, cancellationToken, commands);
        var clock = time.GetUtcNow();
        var now = SqlValues.Instant(clock);
        var firstPublished = existing?.FirstPublishedAt ?? (article.Status == ArticleStatus.Published ? clock : null);
        await using var lease = CommandLease.For(commands, connection, transaction, existing is null
            ? $"INSERT INTO articles ({Columns}, created_at, changed_at) VALUES (@id, @slug, @title, @summary, @content, @authors, @section, @issue, @tags, @access, @language, @published, @updated, @canonical, @image, @source, @hash, @status, @version, @firstPublished, @now, @now)"
            : """
              UPDATE articles SET slug = @slug, title = @title, summary = @summary, content_html = @content,
                  authors_json = @authors, section = @section, issue = @issue, tags_json = @tags, access = @access,
                  language = @language, published_at = @published, updated_at = @updated, canonical_url = @canonical,
                  image_url = @image, source = @source, content_hash = @hash, status = @status, version = @version,
                  first_published_at = @firstPublished, changed_at = @now
              WHERE id = @id
              """);
        var command = lease.Command;
        var p = command.Parameters;
        p.AddWithValue("@id", article.Id);
        p.AddWithValue("@slug", article.Slug);
        p.AddWithValue("@title", article.Title);
        p.AddWithValue("@summary", article.Summary);
        p.AddWithValue("@content", article.ContentHtml);
        p.AddWithValue("@authors", SqlValues.List(article.Authors));
        p.AddWithValue("@section", SqlValues.OrNull(article.Section));
        p.AddWithValue("@issue", SqlValues.OrNull(article.Issue));
        p.AddWithValue("@tags", SqlValues.List(article.Tags));
        p.AddWithValue("@access", article.Access == ArticleAccess.Premium ? "premium" : "free");
        p.AddWithValue("@language", article.Language);
        p.AddWithValue("@published", SqlValues.Instant(article.PublishedAt));
        p.AddWithValue("@updated", SqlValues.Instant(article.UpdatedAt));
        p.AddWithValue("@canonical", article.CanonicalUrl);
        p.AddWithValue("@image", SqlValues.OrNull(article.ImageUrl));
        p.AddWithValue("@source", article.Source);
        p.AddWithValue("@hash", article.ContentHash);
        p.AddWithValue("@status", EnumText.Of(article.Status));
        p.AddWithValue("@version", version);
        p.AddWithValue("@firstPublished", firstPublished is { } first ? SqlValues.Instant(first) : DBNull.Value);
        p.AddWithValue("@now", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return (existing is null ? SaveOutcome.Created : SaveOutcome.Updated, article with { Version = version, FirstPublishedAt = firstPublished });
    }

    /// <summary>Transactional core of <see cref="MarkDeletedAsync(string, CancellationToken)"/>: the new version, or null when nothing changed.</summary>
    internal async Task<long?> MarkDeletedAsync(DbConnection connection, DbTransaction transaction, string id, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(connection, transaction, id, cancellationToken);
        if (existing is null || existing.Status == ArticleStatus.Deleted)
            return null;
        var version = await NextVersionAsync(connection, transaction, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE articles SET status = 'deleted', version = @version, changed_at = @now WHERE id = @id";
        command.Parameters.AddWithValue("@version", version);
        command.Parameters.AddWithValue("@now", SqlValues.Instant(time.GetUtcNow()));
        command.Parameters.AddWithValue("@id", id);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return version;
    }

    /// <summary>Tells this process's readers, then the other gateway processes, about a committed version.</summary>
    internal async Task AnnounceAsync(long version, CancellationToken cancellationToken)
    {
        notifier.Publish(version);
        await connections.AnnounceAsync(ChangeTopic, cancellationToken);
    }

    /// <summary>The topic under which article changes reach the other gateway processes.</summary>
    public const string ChangeTopic = "articles";

    private static async Task EnsureSlugFreeAsync(DbConnection connection, DbTransaction transaction, Article article, CancellationToken cancellationToken, PreparedCommands? commands = null)
    {
        await using var lease = CommandLease.For(commands, connection, transaction, "SELECT id FROM articles WHERE slug = @slug AND status <> 'deleted' AND id <> @id LIMIT 1");
        var command = lease.Command;
        command.Parameters.AddWithValue("@slug", article.Slug);
        command.Parameters.AddWithValue("@id", article.Id);
        if (await command.ExecuteScalarAsync(cancellationToken) is string other)
            throw new SlugConflictException(article.Slug, other);
    }

    private static async Task<long> NextVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken, PreparedCommands? commands = null)
    {
        await using var lease = CommandLease.For(commands, connection, transaction, "UPDATE change_counters SET value = value + 1 WHERE name = 'articles' RETURNING value");
        return Convert.ToInt64(await lease.Command.ExecuteScalarAsync(cancellationToken));
    }

    private static async Task<List<Article>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var articles = new List<Article>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            articles.Add(new Article
            {
                Id = reader.GetString(0),
                Slug = reader.GetString(1),
                Title = reader.GetString(2),
                Summary = reader.GetString(3),
                ContentHtml = reader.GetString(4),
                Authors = SqlValues.ReadList(reader.GetString(5)),
                Section = reader.IsDBNull(6) ? null : reader.GetString(6),
                Issue = reader.IsDBNull(7) ? null : reader.GetString(7),
                Tags = SqlValues.ReadList(reader.GetString(8)),
                Access = reader.GetString(9) == "premium" ? ArticleAccess.Premium : ArticleAccess.Free,
                Language = reader.GetString(10),
                PublishedAt = SqlValues.ReadInstant(reader.GetString(11)),
                UpdatedAt = SqlValues.ReadInstant(reader.GetString(12)),
                CanonicalUrl = reader.GetString(13),
                ImageUrl = reader.IsDBNull(14) ? null : reader.GetString(14),
                Source = reader.GetString(15),
                ContentHash = reader.GetString(16),
                Status = EnumText.Parse<ArticleStatus>(reader.GetString(17), "article status"),
                Version = reader.GetInt64(18),
                FirstPublishedAt = reader.IsDBNull(19) ? null : SqlValues.ReadInstant(reader.GetString(19)),
            });
        }

        return articles;
    }
}
