using EnContact.Syndication.Desk;
using EnContact.Syndication.Tests.Fixtures;

namespace EnContact.Syndication.Tests.Desk;

/// <summary>A started gateway with staff accounts, and browsers signed in to its desk.</summary>
public static class DeskFixture
{
    public const string Password = "un mot de passe assez long";
    public const string EditorName = "claire";
    public const string EditorEmail = "claire@en-contact.com";
    public const string AdministratorName = "paul";
    public const string AdministratorEmail = "paul@en-contact.com";

    public static async Task<Gateway> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Desk:ProgressInterval"] = "00:00:00" };
        foreach (var (key, value) in settings ?? [])
            all[key] = value;
        var gateway = await Gateway.CreateAsync(start: true, settings: all);
        await AddStaffAsync(gateway, EditorName, StaffRole.Editor, EditorEmail);
        await AddStaffAsync(gateway, AdministratorName, StaffRole.Administrator, AdministratorEmail);
        return gateway;
    }

    public static async Task AddStaffAsync(Gateway gateway, string name, StaffRole role, string email, string password = Password)
    {
        var hash = gateway.Services.GetRequiredService<StaffPasswords>().Hash(password);
        Assert.True(await gateway.Services.GetRequiredService<StaffStore>().AddAsync(name, email, role, hash, CancellationToken.None));
    }

    /// <summary>A browser that went through the sign-in page as <paramref name="name"/>.</summary>
    public static async Task<DeskBrowser> SignedInAsync(Gateway gateway, string name = EditorName, string password = Password)
    {
        var browser = new DeskBrowser(gateway);
        await browser.GetAsync("/admin/connexion");
        var page = await browser.SubmitAsync("/admin/connexion", ("nom", name), ("motdepasse", password));
        Assert.True(page.Status == System.Net.HttpStatusCode.OK, $"sign-in as {name} failed: {page.Status}\n{page.MainText}");
        return browser;
    }

    /// <summary>The text of the page's notice or problem box.</summary>
    public static string Notice(Page page) => page.Document.QuerySelector(".notice")?.TextContent.Trim() ?? "";

    public static string Problem(Page page) => page.Document.QuerySelector(".problem")?.TextContent.Trim() ?? "";
}
