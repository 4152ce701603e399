using EnContact.Syndication.Delivery;

namespace EnContact.Syndication.Subscribers;

/// <summary>A problem with one field of a form, in the reader's words: <see cref="Field"/> is the input's id, for the link to it.</summary>
public sealed record FormError(string Field, string Message);

/// <summary>
/// What a reader must fix in the sign-up form, in plain French: the service's checks name fields and
/// limits for programs ("email: … is not an e-mail address"), a reader needs to know what to change.
/// </summary>
public static class SubscribeFormErrors
{
    public static IReadOnlyList<FormError> Of(IReadOnlyDictionary<string, string[]> problems, string? email, bool noSectionTicked)
    {
        var errors = new List<FormError>();
        if (problems.ContainsKey("email"))
            errors.Add(new("email", Email(email)));
        if (problems.ContainsKey("name"))
            errors.Add(new("name", "Votre nom doit tenir sur une seule ligne de 200\u00A0caractères au plus\u00A0: raccourcissez-le, ou laissez ce champ vide."));
        if (noSectionTicked)
            errors.Add(new("sections", "Cochez au moins une rubrique\u00A0: sans rubrique, la lettre serait vide."));
        else if (problems.ContainsKey("sections"))
            errors.Add(new("sections", "Choisissez vos rubriques dans la liste proposée."));
        return errors;
    }

    private static string Email(string? typed)
    {
        var text = typed?.Trim() ?? "";
        if (text.Length == 0)
            return "Indiquez votre adresse électronique, par exemple prenom.nom@exemple.fr.";
        if (text.Any(char.IsControl))
            return "Votre adresse doit tenir sur une seule ligne, sans retour à la ligne ni tabulation\u00A0: retapez-la.";
        if (text.Length > MailInput.MaxAddressLength)
            return $"Cette adresse est trop longue\u00A0: une adresse électronique compte au plus {MailInput.MaxAddressLength}\u00A0caractères.";
        if (!text.Contains('@'))
            return $"Il manque le signe @ dans «\u00A0{text}\u00A0»\u00A0: une adresse électronique s’écrit comme prenom.nom@exemple.fr.";
        return $"L’adresse «\u00A0{text}\u00A0» semble incomplète ou mal tapée\u00A0: vérifiez-la (par exemple prenom.nom@exemple.fr, sans espace).";
    }
}
