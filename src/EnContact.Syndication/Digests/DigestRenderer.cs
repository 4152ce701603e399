using System.Globalization;
using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Ingestion;
using EnContact.Syndication.Subscribers;
using EnContact.Syndication.Templating;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Digests;

/// <summary>
/// An edition rendered for one section set: subject, HTML (CSS inlined) and text, and their sizes as
/// sent (the HTML part encoded for the wire; the whole message before personal links are filled in).
/// </summary>
public sealed record RenderedDigest(string Subject, string Html, string Text, int ItemsShown, int ItemsHidden)
{
    public long EncodedHtmlBytes { get; init; }
    public long MessageBytes { get; init; }
}

/// <summary>
/// Renders an edition's snapshot with the templates of <c>templates/digest/</c>: only the sections a
/// reader follows, at most <see cref="DigestOptions.MaxItemsPerSection"/> per section, fewer when the
/// HTML part as it is sent (encoded for the wire, with room for the personal links) would pass
/// <see cref="DigestOptions.MaxHtmlBytes"/> (the rest is one click away on the web version). CSS is inlined with PreMailer.Net for mail clients that drop &lt;style&gt;.
/// </summary>
public sealed class DigestRenderer(
    TemplateRenderer templates, SubscriberLinks links, IOptions<DigestOptions> options, IOptions<SiteOptions> site)
{
    public const string HtmlTemplate = "digest/Digest.cshtml";
    public const string TextTemplate = "digest/Digest" + TemplateRenderer.TextSuffix;

    // Room for the personal links that replace the placeholders (two signed URLs, HTML-encoded).
    private const int PersonalLinksAllowance = 600;

    private static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    /// <summary>
    /// Renders for a reader of <paramref name="sections"/> (null: every section); null when none of the
    /// edition's articles is in them. <paramref name="webVersion"/> renders the archive page instead.
    /// </summary>
    public async Task<RenderedDigest?> RenderAsync(DigestSnapshot snapshot, IReadOnlyCollection<string>? sections, bool webVersion = false, bool test = false)
        => await RenderAsync(snapshot, sections, MemberCopy.None, webVersion, test);

    /// <summary>
    /// Renders a member's copy when <paramref name="member"/> is true: premium articles as
    /// <see cref="DigestOptions.MemberPremium"/> says. Full texts that would push articles out of the
    /// letter (see <see cref="DigestOptions.MaxHtmlBytes"/>) give way to direct links.
    /// </summary>
    public async Task<RenderedDigest?> RenderCopyAsync(DigestSnapshot snapshot, IReadOnlyCollection<string>? sections, bool member, bool test = false)
    {
        if (!member)
            return await RenderAsync(snapshot, sections, MemberCopy.None, webVersion: false, test);
        if (options.Value.MemberPremium == MemberPremium.Link)
            return await RenderAsync(snapshot, sections, MemberCopy.Link, webVersion: false, test);
        var full = await RenderAsync(snapshot, sections, MemberCopy.FullText, webVersion: false, test);
        if (full is not { ItemsHidden: > 0 })
            return full;
        var linked = await RenderAsync(snapshot, sections, MemberCopy.Link, webVersion: false, test);
        return linked!.ItemsHidden < full.ItemsHidden ? linked : full;
    }

    private async Task<RenderedDigest?> RenderAsync(DigestSnapshot snapshot, IReadOnlyCollection<string>? sections, MemberCopy members, bool webVersion, bool test)
    {
        var chosen = Chosen(snapshot, sections);
        if (chosen.Count == 0)
            return null;

        var settings = options.Value;
        var limit = webVersion ? int.MaxValue : settings.MaxItemsPerSection;
        while (true)
        {
            var model = Model(snapshot, chosen, limit, webVersion, test, members);
            var html = Inline(await templates.RenderAsync(HtmlTemplate, model));
            var encoded = webVersion ? 0 : MimeSize.OfHtmlPart(html);
            if (encoded + PersonalLinksAllowance <= settings.MaxHtmlBytes || webVersion || limit == 1)
            {
                var text = await templates.RenderAsync(TextTemplate, model);
                var shown = model.Sections.Sum(s => s.Items.Count);
                return new RenderedDigest(model.Subject, html, text, shown, chosen.Sum(s => s.Items.Count) - shown)
                {
                    EncodedHtmlBytes = encoded,
                    MessageBytes = webVersion ? 0 : MimeSize.OfMessage(model.Subject, text, html),
                };
            }
            limit = Math.Min(limit, chosen.Max(s => s.Items.Count)) - 1;
        }
    }

    // A snapshot never changes: its web version is rendered once (per edition key) for the life of the gateway.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<string>> _webVersions = new();

    /// <summary>The edition's public page (no personal link), rendered once.</summary>
    public Task<string> WebVersionAsync(DigestSnapshot snapshot) =>
        _webVersions.GetOrAdd(snapshot.Key, async _ => (await RenderAsync(snapshot, null, webVersion: true))!.Html);

    /// <summary>The edition's public page.</summary>
    public string WebVersionUrl(int number) => links.Absolute($"digests/{number}");

    /// <summary>The sections with articles that a reader of <paramref name="sections"/> (null: all) gets.</summary>
    private static List<DigestSection> Chosen(DigestSnapshot snapshot, IReadOnlyCollection<string>? sections) =>
        snapshot.Sections.Where(s => s.Items.Count > 0 && (sections is null || (s.Name is not null && sections.Contains(s.Name)))).ToList();

    /// <summary>The model of a reader's copy with at most <paramref name="limit"/> articles per section (the benchmark times the template on it).</summary>
    internal DigestMailModel ModelFor(DigestSnapshot snapshot, IReadOnlyCollection<string>? sections, int limit) =>
        Model(snapshot, Chosen(snapshot, sections), limit, webVersion: false, test: false, MemberCopy.None);

    private DigestMailModel Model(DigestSnapshot snapshot, IReadOnlyList<DigestSection> sections, int limit, bool webVersion, bool test, MemberCopy members)
    {
        var webUrl = WebVersionUrl(snapshot.Number);
        var views = sections.Select(s =>
        {
            var anchor = s.Name is null ? "autres" : Slugs.From(s.Name);
            return new DigestSectionView(TitleOf(s.Name), anchor, s.Items.Take(limit).ToList(), Math.Max(0, s.Items.Count - limit), $"{webUrl}#{anchor}")
            {
                Members = members,
            };
        }).ToList();
        return new DigestMailModel
        {
            SiteTitle = site.Value.Title,
            SiteUrl = site.Value.BaseUrl,
            PublisherName = site.Value.PublisherName,
            PostalAddress = site.Value.PostalAddress,
            Number = snapshot.Number,
            DateText = snapshot.DateText,
            Subject = (test ? "[TEST] " : "") + snapshot.Subject,
            Preheader = Preheader(views),
            Sections = views,
            WebVersionUrl = webUrl,
            SubscribeUrl = links.SubscribeUrl,
            PreferencesUrl = webVersion ? null : "{{preferences_url}}",
            UnsubscribeUrl = webVersion ? null : "{{unsubscribe_url}}",
            IsWebVersion = webVersion,
            IsTest = test,
            Members = members,
        };
    }

    /// <summary>"Analyses : Titre · Études : Titre …", at most about 140 characters.</summary>
    private static string Preheader(IReadOnlyList<DigestSectionView> sections)
    {
        var text = FrenchText.Typography(string.Join(" · ", sections.Where(s => s.Items.Count > 0).Select(s => $"{s.Title} : {s.Items[0].Title}")));
        return text.Length <= 140 ? text : text[..139].TrimEnd() + "…";
    }

    public static string TitleOf(string? section) =>
        string.IsNullOrEmpty(section) ? "Autres articles" : char.ToUpper(section[0], French) + section[1..];

    private static string Inline(string html)
    {
        var result = PreMailer.Net.PreMailer.MoveCssInline(html, removeStyleElements: true, removeComments: true, preserveMediaQueries: true);
        return result.Html;
    }

    /// <summary>"30 novembre 2026", "1er décembre 2026".</summary>
    public static string LongDate(DateTimeOffset instant, TimeZoneInfo zone) => FrenchText.LongDate(instant, zone);
}
