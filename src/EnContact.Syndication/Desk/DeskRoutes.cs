namespace EnContact.Syndication.Desk;

/// <summary>The desk's paths, in French like its pages (the staff read them in the address bar).</summary>
public static class DeskRoutes
{
    public const string Root = "/admin";
    public const string SignIn = Root + "/connexion";
    public const string SignOut = Root + "/deconnexion";
    public const string Forbidden = Root + "/interdit";
    public const string NextEdition = Root;
    public const string Editions = Root + "/editions";
    public const string Articles = Root + "/articles";
    public const string Subscribers = Root + "/abonnes";
    public const string Members = Root + "/membres";
    public const string Feeds = Root + "/flux";
    public const string Settings = Root + "/reglages";
    public const string Assets = Root + "/assets";

    /// <summary>A local path to come back to after signing in; anything else (another site, a scheme) goes to the desk's home.</summary>
    public static string SafeReturn(string? path) =>
        path is { Length: > 0 } p && p.StartsWith(Root, StringComparison.Ordinal) && !p.StartsWith("//", StringComparison.Ordinal) && !p.Contains('\\')
            && (p.Length == Root.Length || p[Root.Length] is '/' or '?') ? p : NextEdition;
}
