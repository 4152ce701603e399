namespace EnContact.Syndication.Storage;

/// <summary>Which engine holds the gateway's data (<c>Storage:Provider</c>).</summary>
public enum StorageProvider
{
    /// <summary>One file, one gateway process: the embedded default.</summary>
    Sqlite,

    /// <summary>One server, any number of gateway processes.</summary>
    PostgreSql,
}
