using System.Xml.Linq;
using EnContact.Syndication.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// Where the anti-forgery keys of the public pages live: the database, shared by every gateway
/// process (a form rendered by one posts to another) and backed up with it. Keys an earlier release
/// kept in <c>Subscribers:KeysPath</c> are taken over once, so forms open during an upgrade still work.
/// The data protection system calls this synchronously and rarely (start-up, a new key every 90 days).
/// </summary>
public sealed class FormKeyRing(Database database, string legacyFolder, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var elements = ReadAsync().GetAwaiter().GetResult();
        if (elements.Count > 0 || !Directory.Exists(legacyFolder))
            return elements;
        foreach (var file in Directory.EnumerateFiles(legacyFolder, "*.xml"))
        {
            var element = XElement.Load(file);
            StoreElement(element, Path.GetFileNameWithoutExtension(file));
            elements.Add(element);
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName) =>
        StoreAsync(element, friendlyName).GetAwaiter().GetResult();

    private async Task<List<XElement>> ReadAsync()
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = Sql.Command(connection, null, "SELECT xml FROM form_keys ORDER BY created_at, name");
        await using var reader = await command.ExecuteReaderAsync();
        var elements = new List<XElement>();
        while (await reader.ReadAsync())
            elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    private async Task StoreAsync(XElement element, string friendlyName)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await Sql.ExecuteAsync(connection, null, """
            INSERT INTO form_keys (name, xml, created_at) VALUES (@name, @xml, @now)
            ON CONFLICT (name) DO NOTHING
            """, CancellationToken.None, ("@name", friendlyName), ("@xml", element.ToString(SaveOptions.DisableFormatting)),
            ("@now", SqlValues.Instant(time.GetUtcNow())));
    }
}
