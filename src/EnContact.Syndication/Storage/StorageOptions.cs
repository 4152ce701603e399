using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Storage;

/// <summary>Where the embedded SQLite database lives and how it waits for locks. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Path of the SQLite file, relative to the content root. Default <c>data/encontact.db</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DatabasePath { get; set; } = "data/encontact.db";

    /// <summary>How long a writer waits for another writer's lock before failing. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
