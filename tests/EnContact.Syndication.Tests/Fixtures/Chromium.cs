using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// A real browser for the public pages: the system's Chromium (Debian's <c>/usr/bin/chromium</c>, or the
/// binary <c>ENCONTACT_TEST_CHROMIUM</c> names) driven headless by Playwright, whose driver ships inside
/// its NuGet package; Playwright's own browser download is never used. Without Chromium the tests fail
/// and say how to install it: a browser test that skips would hide a broken page.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string DefaultPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<Chromium> LaunchAsync()
    {
        var path = Environment.GetEnvironmentVariable("ENCONTACT_TEST_CHROMIUM") is { Length: > 0 } chosen ? chosen : DefaultPath;
        if (!File.Exists(path))
            throw new Xunit.Sdk.XunitException(
                $"The browser tests need Chromium at {path}. On Debian or Ubuntu: apt-get install chromium " +
                "(.ci/run installs it), or set ENCONTACT_TEST_CHROMIUM to a Chromium or Chrome binary. Playwright's own browser download is not used.");
        var playwright = await Playwright.CreateAsync();
        try
        {
            // Root in CI and containers: Chromium's sandbox needs user namespaces it may not have there.
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = path, Headless = true, Args = ["--no-sandbox"] });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh page (its own cookies) on <paramref name="gateway"/>, <paramref name="width"/> CSS pixels wide, French.</summary>
    public async Task<IPage> NewPageAsync(Gateway gateway, int width = 390, int height = 844)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            // A phone honours <meta name="viewport">: without it a page is laid out 980 px wide and scrolls sideways.
            IsMobile = width < 600,
            HasTouch = width < 600,
            Locale = "fr-FR",
            // axe is injected as a script; our pages' CSP rightly forbids scripts.
            BypassCSP = true,
        });
        return await context.NewPageAsync();
    }

    /// <summary>Runs axe-core on the page; fails listing every serious or critical violation.</summary>
    /// <param name="options">e.g. <c>Iframes = false</c> for a page framing a sandboxed document, where axe cannot be injected and would wait for it forever.</param>
    public static async Task AssertAccessibleAsync(IPage page, AxeRunOptions? options = null)
    {
        var result = await page.RunAxe(options);
        var grave = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(grave.Count == 0, $"{page.Url}: accessibility violations:\n" + string.Join("\n", grave.Select(v =>
            $"  {v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    /// <summary>The page is no wider than the window: nothing to scroll sideways.</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{page.Url}: {scrollWidth} px wide in a {width} px window");
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
