using System.Globalization;
using EnContact.Syndication.Bounces;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Digests;

namespace EnContact.Syndication.Desk;

/// <summary>How the desk says states, dates and numbers in French (the API and the CLI keep their English names).</summary>
public static class DeskText
{
    public static readonly CultureInfo French = CultureInfo.GetCultureInfo("fr-FR");

    public static string Status(EditionStatus status) => status switch
    {
        EditionStatus.AwaitingApproval => "à valider",
        EditionStatus.Ready => "prête",
        EditionStatus.Held => "retenue avant l’envoi",
        EditionStatus.Sending => "en cours d’envoi",
        EditionStatus.Sent => "envoyée",
        EditionStatus.SentWithFailures => "envoyée avec échecs",
        EditionStatus.Cancelled => "annulée",
        EditionStatus.Discarded => "rejetée",
        EditionStatus.Empty => "vide",
        EditionStatus.Skipped => "sautée",
        _ => EnumText.Of(status),
    };

    /// <summary>Why an edition went no further, in a few words (the full reason, in English, stays in the page's tooltip and the API).</summary>
    public static string? Reason(EditionStatus status) => status switch
    {
        EditionStatus.Empty => "aucun nouvel article",
        EditionStatus.Skipped => "passerelle arrêtée à l’heure prévue",
        EditionStatus.Discarded => "articles reportés à la suivante",
        EditionStatus.Held => "contrôles avant l’envoi en échec",
        _ => null,
    };

    /// <summary>The CSS class of a state's label: ok, wait, run or bad.</summary>
    public static string Tone(EditionStatus status) => status switch
    {
        EditionStatus.Sent => "ok",
        EditionStatus.AwaitingApproval or EditionStatus.Ready => "wait",
        EditionStatus.Sending => "run",
        EditionStatus.SentWithFailures or EditionStatus.Cancelled or EditionStatus.Held => "bad",
        _ => "",
    };

    /// <summary>What a check before sending looks at, in French (its detail stays in English, as the API and the CLI give it).</summary>
    public static string Check(string name) => name switch
    {
        "dkim-configured" => "Clé DKIM configurée",
        "dkim-verifies" => "Signature DKIM valide",
        "dkim-aligned" => "Domaine DKIM aligné sur l’expéditeur",
        "list-unsubscribe" => "En-tête List-Unsubscribe",
        "list-unsubscribe-post" => "Désabonnement en un clic (RFC 8058)",
        "list-unsubscribe-signed" => "En-têtes de désabonnement signés",
        "unsubscribe-link-html" => "Lien de désabonnement visible (HTML)",
        "unsubscribe-link-text" => "Lien de désabonnement (texte)",
        "publisher-identity" => "Éditeur nommé en pied de lettre",
        "size" => "Taille sous la coupure de Gmail",
        "return-path" => "Adresse de retour des rebonds",
        _ => name,
    };

    public static string Outcome(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "ok",
        CheckOutcome.Failed => "échec",
        _ => "sans objet",
    };

    public static string Tone(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "ok",
        CheckOutcome.Failed => "bad",
        _ => "",
    };

    public static string Phase(CampaignPhase phase) => phase switch
    {
        CampaignPhase.Sending => "envoi en cours",
        CampaignPhase.Paused => "en pause",
        CampaignPhase.Cancelled => "annulé",
        CampaignPhase.Done => "terminé",
        _ => EnumText.Of(phase),
    };

    public static string Subscriber(Subscribers.SubscriberStatus status) => status switch
    {
        Subscribers.SubscriberStatus.Pending => "en attente",
        Subscribers.SubscriberStatus.Active => "actif",
        Subscribers.SubscriberStatus.Paused => "en pause",
        _ => "désabonné",
    };

    public static string Message(OutboxStatus status) => status switch
    {
        OutboxStatus.Pending or OutboxStatus.Sending => "en attente",
        OutboxStatus.Sent => "reçu",
        OutboxStatus.Failed => "rebond",
        OutboxStatus.Suppressed => "bloqué",
        _ => "annulé",
    };

    public static string FailureClass(string failureClass) => failureClass switch
    {
        "mailbox" => "adresse inexistante",
        "mailbox-full" => "boîte pleine",
        "policy" => "refus du destinataire",
        "content" => "contenu refusé",
        "system" => "panne du serveur distant",
        _ => "autre",
    };

    /// <summary>What came back about a reader: a hard or soft bounce (a delivery report), a complaint, an unsubscribe request by mail.</summary>
    public static string Report(BounceEvent report) => report.Kind switch
    {
        BounceEvent.DeliveryReport when report.IsHardBounce => "rebond définitif",
        BounceEvent.DeliveryReport => "rebond temporaire",
        BounceEvent.Complaint => "plainte (signalé comme indésirable)",
        BounceEvent.MailedUnsubscribe => "désabonnement par mail",
        _ => report.Kind,
    };

    /// <summary>The CSS class of a report's label: what stops the mail (hard bounce, complaint) is bad, a soft bounce a warning.</summary>
    public static string ReportTone(BounceEvent report) => report.Kind switch
    {
        BounceEvent.DeliveryReport when report.IsHardBounce => "bad",
        BounceEvent.Complaint => "bad",
        BounceEvent.DeliveryReport => "wait",
        _ => "",
    };

    /// <summary>The edition a campaign is ("2026-11-30-0800"), else the campaign itself (a test copy, a confirmation).</summary>
    public static string Edition(string? campaign) => campaign is null ? "—" : DigestCampaign.KeyOf(campaign) ?? campaign;

    public static string Classes(IReadOnlyDictionary<string, long> byClass) =>
        byClass.Count == 0 ? "—" : string.Join(", ", byClass.OrderByDescending(c => c.Value).Select(c => $"{FailureClass(c.Key)} {Number(c.Value)}"));

    public static string Number(long value) => value.ToString("N0", French);

    /// <summary>"lundi 30 novembre 2026 à 08:00" in the magazine's time zone.</summary>
    public static string Date(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("dddd d MMMM yyyy 'à' HH:mm", French);

    public static string ShortDate(DateTimeOffset? instant, TimeZoneInfo zone) =>
        instant is { } value ? TimeZoneInfo.ConvertTime(value, zone).ToString("dd/MM/yyyy HH:mm", French) : "—";

    /// <summary>An article's change since its edition was built, from <see cref="DigestEditions.ChangesAsync"/>'s words.</summary>
    public static string Change(string change)
    {
        if (change.StartsWith("withdrawn", StringComparison.Ordinal))
            return "retiré depuis (supprimé, dépublié ou sorti de la période)";
        if (change.StartsWith("published", StringComparison.Ordinal))
            return "publié depuis dans la période : absent de la lettre";
        if (change.StartsWith("changed: ", StringComparison.Ordinal))
            return "modifié : " + string.Join(", ", change["changed: ".Length..].Split(", ").Select(field => field switch
            {
                "title" => "titre",
                "summary" => "résumé",
                "authors" => "auteurs",
                "publication date" => "date de publication",
                "access" => "accès",
                "issue" => "numéro",
                _ => field,
            }));
        return change;
    }
}
