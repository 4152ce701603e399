using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Storage;

/// <summary>Which database holds the gateway's data and how it is reached. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (one file, one gateway process) or <c>PostgreSql</c> (one server, any number of gateways). Default <c>Sqlite</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Path of the SQLite file, relative to the content root. Default <c>data/encontact.db</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = "data/encontact.db";

    /// <summary>SQLite: how long a writer waits for another writer's lock before failing. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// PostgreSQL: the Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>). A
    /// secret: set it from the environment (<c>ENCONTACT__Storage__ConnectionString</c>). Default none.
    /// </summary>
    [Secret]
    public string? ConnectionString { get; set; }

    /// <summary>PostgreSQL: how often a process looks for other processes' changes when it has heard of none (notifications are the fast path). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(10);
}
