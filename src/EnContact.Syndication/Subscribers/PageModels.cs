using EnContact.Syndication.Templating;

namespace EnContact.Syndication.Subscribers;

// Models of the templates under templates/pages/. Texts live in the templates; models carry data only.

/// <summary>A section the reader can tick.</summary>
public sealed record SectionChoice(string Name, bool Selected);

/// <summary>pages/Subscribe.cshtml: the form (again, with <see cref="Errors"/>, when something was wrong).</summary>
public sealed record SubscribePageModel : PageModel
{
    public required CsrfField Csrf { get; init; }
    public required IReadOnlyList<SectionChoice> Sections { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    /// <summary>What to fix, in the order of the fields.</summary>
    public IReadOnlyList<FormError> Errors { get; init; } = [];
    /// <summary>Name of the field people must leave empty (robots fill it).</summary>
    public string HoneypotField { get; init; } = SubscriptionPages.HoneypotField;
    public string SectionsListedField { get; init; } = SubscriptionPages.SectionsListedField;

    public FormError? ErrorOf(string field) => Errors.FirstOrDefault(e => e.Field == field);
}

/// <summary>pages/CheckInbox.cshtml: the one answer to every subscription request.</summary>
public sealed record CheckInboxPageModel : PageModel;

/// <summary>pages/Confirm.cshtml: what the link would confirm, and a button; the GET that shows it changes nothing.</summary>
public sealed record ConfirmPageModel : PageModel
{
    public required CsrfField Csrf { get; init; }
    public required string Address { get; init; }
    /// <summary>The name given with this request, if any.</summary>
    public string? Name { get; init; }
    /// <summary>The sections asked for; null means all of them.</summary>
    public IReadOnlyList<string>? Sections { get; init; }
}

/// <summary>pages/Confirmed.cshtml: just confirmed (with the preferences link), or confirmed earlier (no link).</summary>
public sealed record ConfirmedPageModel : PageModel
{
    /// <summary>Null when the subscription was confirmed earlier: a used link gives nothing more.</summary>
    public required string? PreferencesUrl { get; init; }
}

/// <summary>pages/Preferences.cshtml: sections, pause, and a way out.</summary>
public sealed record PreferencesPageModel : PageModel
{
    public required CsrfField Csrf { get; init; }
    public required string Address { get; init; }
    public required IReadOnlyList<SectionChoice> Sections { get; init; }
    public required bool Paused { get; init; }
    public required string UnsubscribePath { get; init; }
    public bool Saved { get; init; }
    public string? Error { get; init; }
    /// <summary>An active member's private full-text feeds; null for everyone else (the page then shows nothing of members).</summary>
    public IReadOnlyList<EnContact.Syndication.Members.MemberFeedLink>? MemberFeeds { get; init; }
    /// <summary>Where the button that gives the member new feed addresses posts.</summary>
    public string? ChangeFeedsPath { get; init; }
    public bool FeedsChanged { get; init; }
}

/// <summary>pages/Unsubscribe.cshtml: a button; the GET that shows it changes nothing.</summary>
public sealed record UnsubscribePageModel : PageModel
{
    public required CsrfField Csrf { get; init; }
    public required string Address { get; init; }
}

/// <summary>pages/Unsubscribed.cshtml.</summary>
public sealed record UnsubscribedPageModel : PageModel
{
    public required string SubscribePath { get; init; }
}

/// <summary>Why a link cannot be used.</summary>
public enum LinkProblem
{
    /// <summary>Altered, truncated, not ours.</summary>
    Invalid,
    /// <summary>Too old; the page offers a new one.</summary>
    Expired,
    /// <summary>A confirmation link already used.</summary>
    Used,
    /// <summary>The address is not (or no longer) subscribed.</summary>
    NotSubscribed,
    /// <summary>The form was sent without its anti-forgery field, or it expired.</summary>
    FormExpired,
    /// <summary>The body is not a form this page could have sent (too many fields, a cut-off upload…).</summary>
    UnreadableForm,
}

/// <summary>pages/LinkProblem.cshtml: what went wrong and what the reader can do.</summary>
public sealed record LinkProblemPageModel : PageModel
{
    public required LinkProblem Problem { get; init; }
    public required string SubscribePath { get; init; }
    /// <summary>For an expired confirmation link: a form that asks for a new one.</summary>
    public CsrfField? ResendCsrf { get; init; }
    /// <summary>For the form that mails a subscriber their links (<see cref="ManageLinksPages"/>); null where it does not apply.</summary>
    public CsrfField? LinksCsrf { get; init; }
    public string LinksPath { get; init; } = ManageLinksPages.Path;
}
