using EnContact.Syndication.Digests;
using EnContact.Syndication.Tests.Fixtures;
using Microsoft.Playwright;
using static EnContact.Syndication.Tests.Digests.DigestTestData;

namespace EnContact.Syndication.Tests.Templating;

/// <summary>
/// Every public page in a real Chromium: readable at 390 px without sideways scrolling, free of serious
/// accessibility problems (axe-core), with a focus ring that stands out. With ENCONTACT_TEST_SCREENSHOTS
/// set to a folder, each page is also photographed at 390 and 1280 px there, for a person to look at.
/// </summary>
[Trait("Speed", "Slow")]
public sealed class PublicPagesBrowserTests
{
    /// <summary>Every page a reader can reach without a personal link, and the pages a broken link or address leads to.</summary>
    private static readonly string[] Pages = ["/", "/feeds", "/subscribe", "/digests", "/digests/1", "/links", "/nulle-part", "/preferences/abime", "/unsubscribe/abime"];

    /// <summary>A gateway with the sample articles and letter n° 1 out (so the archive and the home page list one).</summary>
    private static async Task<Gateway> WithALetterAsync()
    {
        var gateway = await Gateway.CreateAsync(start: true);
        await WeekAsync(gateway);
        await SubscribersAsync(gateway, ("lecteur@exemple.fr", (string[]?)null));
        gateway.Clock!.SetUtcNow(Monday.AddMinutes(1));
        await gateway.Services.GetRequiredService<DigestScheduler>().TickAsync(CancellationToken.None);
        await gateway.WaitForFeedsAsync();
        return gateway;
    }

    [Fact]
    public async Task PublicPages_At390Pixels_NoHorizontalScrollAndNoSeriousAccessibilityViolation()
    {
        await using var gateway = await WithALetterAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var problems = new List<string>();

        foreach (var path in Pages)
        {
            var page = await chromium.NewPageAsync(gateway, width: 390);
            await page.GotoAsync(path);
            // Every page is checked, and every problem reported, before the test fails.
            try
            {
                await Chromium.AssertNoHorizontalScrollAsync(page, 390);
                await Chromium.AssertAccessibleAsync(page);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                problems.Add(e.Message);
            }
            await ScreenshotAsync(page, path);
            await page.Context.CloseAsync();
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>With ENCONTACT_TEST_SCREENSHOTS naming a folder, the page at 390 and at 1280 px wide, whole, for a person to look at.</summary>
    [Fact]
    public async Task PreferencesPage_OfAPayingMember_WithItsLongFeedAddresses_FitsAPhoneAndIsAccessible()
    {
        await using var gateway = await WithALetterAsync();
        await gateway.Services.GetRequiredService<EnContact.Syndication.Members.MemberStore>()
            .UpsertAsync(new EnContact.Syndication.Members.MemberUpsert("pw-1", "lecteur@exemple.fr", "Lecteur", null), CancellationToken.None);
        var subscriber = await gateway.Services.GetRequiredService<EnContact.Syndication.Subscribers.SubscriberStore>().FindAsync("lecteur@exemple.fr", CancellationToken.None);
        var path = new Uri(gateway.Services.GetRequiredService<EnContact.Syndication.Subscribers.SubscriberLinks>().PreferencesUrl(subscriber!.Id)).PathAndQuery;
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(gateway, width: 390);

        await page.GotoAsync(path);

        Assert.Contains("/members/", await page.ContentAsync());
        await Chromium.AssertNoHorizontalScrollAsync(page, 390);
        await Chromium.AssertAccessibleAsync(page);
        await ScreenshotAsync(page, "preferences-membre");
    }

    internal static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("ENCONTACT_TEST_SCREENSHOTS") is not { Length: > 0 } folder)
            return;
        name = name.Trim('/').Replace('/', '-') is { Length: > 0 } n ? n : "home";
        var size = page.ViewportSize!;
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-{size.Width}.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 900);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}-1280.png"), FullPage = true });
        await page.SetViewportSizeAsync(size.Width, size.Height);
    }

    [Fact]
    public async Task FocusRing_OnTheSignUpField_IsVisibleWithAtLeastThreeToOneContrast()
    {
        await using var gateway = await Gateway.CreateAsync(start: true);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(gateway);
        await page.GotoAsync("/subscribe");

        await TabToAsync(page, "#email");

        var ring = await page.EvaluateAsync<string[]>(@"() => {
            const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, s.outlineWidth, s.outlineColor, getComputedStyle(document.body).backgroundColor];
        }");
        Assert.NotEqual("none", ring[0]);
        Assert.True(double.Parse(ring[1].Replace("px", ""), System.Globalization.CultureInfo.InvariantCulture) >= 2, $"outline {ring[1]}");
        var contrast = Contrast(ring[2], ring[3]);
        Assert.True(contrast >= 3, $"focus ring {ring[2]} on {ring[3]}: {contrast:0.0}:1");
    }

    /// <summary>Presses Tab until <paramref name="selector"/> has the focus (at most 30 times), as a keyboard user does.</summary>
    internal static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 30; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement && document.activeElement.matches(s)", selector))
                return;
        }
        Assert.Fail($"Tab never reached {selector} on {page.Url}");
    }

    /// <summary>WCAG contrast ratio of two CSS rgb()/rgba() colours.</summary>
    private static double Contrast(string a, string b)
    {
        static double Luminance(string css)
        {
            var parts = css[(css.IndexOf('(') + 1)..css.IndexOf(')')].Split(',', ' ', '/').Where(p => p.Length > 0)
                .Take(3).Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture) / 255).ToArray();
            var linear = parts.Select(c => c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4)).ToArray();
            return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
        }
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }
}
