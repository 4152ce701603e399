using System.ComponentModel.DataAnnotations;

namespace EnContact.Syndication.Base;

/// <summary>Facts about the magazine's web site that every feature uses. Section <c>Site</c>.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>Name of the publication. Default "En-Contact".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Title { get; set; } = "En-Contact";

    /// <summary>Absolute http(s) URL of the public site; relative links and images resolve against it. Default <c>https://www.en-contact.com/</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string BaseUrl { get; set; } = "https://www.en-contact.com/";

    /// <summary>Canonical article URL, relative to <see cref="BaseUrl"/> or absolute; <c>{slug}</c>, <c>{id}</c> and <c>{section}</c> are replaced. Default <c>articles/{slug}</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ArticleUrlTemplate { get; set; } = "articles/{slug}";

    /// <summary>IANA time zone for dates written without an offset and for schedules. Default <c>Europe/Paris</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string TimeZone { get; set; } = "Europe/Paris";

    /// <summary>Language of articles that do not name one (BCP 47). Default <c>fr</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")]
    public string DefaultLanguage { get; set; } = "fr";

    /// <summary>Who publishes the magazine, as the footer of every public page names it (the legal publisher). Default "En-Contact".</summary>
    [Required(AllowEmptyStrings = false)]
    public string PublisherName { get; set; } = "En-Contact";

    /// <summary>The publisher's postal address, on one line, shown in the letter's footer (anti-spam laws such as CAN-SPAM ask for one). Default none.</summary>
    [MaxLength(300)]
    public string? PostalAddress { get; set; }

    /// <summary>Absolute http(s) URL of the privacy notice, linked from the footer of every public page. Default none (the footer then says in a sentence what the address is used for).</summary>
    public string? PrivacyUrl { get; set; }

    public Uri BaseUri => new(BaseUrl.EndsWith('/') ? BaseUrl : BaseUrl + "/", UriKind.Absolute);

}
