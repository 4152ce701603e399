using System.Security.Cryptography;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Base;

/// <summary>A secret Development makes once and keeps in a file (owner-only), so what it signs or hashes survives a restart.</summary>
public static class DevelopmentSecret
{
    public static string ReadOrCreate(string path)
    {
        if (File.Exists(path))
            return File.ReadAllText(path).Trim();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        try
        {
            PrivateFiles.WriteNew(path, secret);
            return secret;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path).Trim(); // another process made it first
        }
    }
}
