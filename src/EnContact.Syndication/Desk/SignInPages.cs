using Microsoft.AspNetCore.Authentication;

namespace EnContact.Syndication.Desk;

/// <summary>Signing in and out of the desk. One message for every refusal: it never says whether the name exists.</summary>
public static class SignInPages
{
    public const string Refused = "Identifiant ou mot de passe incorrect. Après plusieurs essais manqués, le compte est bloqué quelques minutes.";

    public static Task<IResult> ShowAsync(HttpContext http, DeskPageKit kit, string? retour) =>
        Staff(http) is not null
            ? Task.FromResult<IResult>(TypedResults.Redirect(DeskRoutes.SafeReturn(retour)))
            : kit.RenderAsync(http, "SignIn", new SignInPageModel { Title = "Connexion", ReturnPath = DeskRoutes.SafeReturn(retour) });

    public static async Task<IResult> SignInAsync(HttpContext http, DeskPageKit kit, SignIn signIn, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken);
        var returnPath = DeskRoutes.SafeReturn(form["retour"]);
        if (await signIn.CheckAsync(form["nom"], form["motdepasse"], cancellationToken) is not { } member)
            return await kit.RenderAsync(http, "SignIn", new SignInPageModel { Title = "Connexion", Name = form["nom"], ReturnPath = returnPath, Problem = Refused },
                StatusCodes.Status400BadRequest);
        await http.SignInAsync(DeskAuthentication.Scheme, DeskAuthentication.Principal(member), new AuthenticationProperties { IsPersistent = false });
        return TypedResults.Redirect(returnPath);
    }

    public static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(DeskAuthentication.Scheme);
        return DeskPageKit.Done(DeskRoutes.SignIn, "deconnecte");
    }

    public static Task<IResult> ForbiddenAsync(HttpContext http, DeskPageKit kit) =>
        kit.RenderAsync(http, "Message", new MessagePageModel { Title = "Accès réservé", Message = "Cette page est réservée aux administrateurs du bureau." },
            StatusCodes.Status403Forbidden);

    /// <summary>The sign-in page's own authentication: the desk cookie, read without requiring it.</summary>
    private static StaffView? Staff(HttpContext http) => DeskPageKit.Staff(http.User);
}
