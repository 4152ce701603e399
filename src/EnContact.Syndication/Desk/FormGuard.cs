namespace EnContact.Syndication.Desk;

/// <summary>
/// Every POST of the desk carries the anti-forgery field or is refused with a page, before its handler
/// reads anything: one filter on the route groups, so no form can forget it.
/// </summary>
public sealed class FormGuard(DeskPageKit kit) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsPost(http.Request.Method) && !await kit.IsFormValidAsync(http))
            return await kit.RenderAsync(http, "Message", new MessagePageModel
            {
                Title = "Formulaire expiré",
                Message = "Ce formulaire n’a pas été reconnu (page trop ancienne, ou envoyée d’ailleurs). Rechargez la page et recommencez.",
            }, StatusCodes.Status400BadRequest);
        return await next(context);
    }
}
