namespace EnContact.Syndication.Subscribers;

/// <summary>
/// Model of <c>templates/email/Confirmation(.text).cshtml</c>. The URL is the placeholder
/// <c>{{confirm_url}}</c>, filled per recipient by the outbox, so one rendered body serves every request.
/// A template sets <c>ViewBag.Subject</c>.
/// </summary>
public sealed record ConfirmationMailModel(string SiteTitle, string SiteUrl, string ConfirmUrl, int ValidForHours);

/// <summary>
/// Model of <c>templates/email/AlreadySubscribed(.text).cshtml</c> (sent when an active subscriber asks again)
/// and of <c>templates/email/ManagementLinks(.text).cshtml</c> (sent when a subscriber asks for their links).
/// </summary>
public sealed record AlreadySubscribedMailModel(string SiteTitle, string SiteUrl, string PreferencesUrl, string UnsubscribeUrl);
