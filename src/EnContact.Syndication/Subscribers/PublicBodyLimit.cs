using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>
/// Public bodies are small: a larger one is refused before it is read. A form is parsed here, once,
/// with tight limits, before anything else looks at it (the anti-forgery check, the handler): a
/// body that is not a form this site could have sent (too many values, a key too long, a multipart
/// upload cut short) gets the French "unreadable form" page and a 400, logged as the reader's
/// mistake it is (Information, no stack trace), never a 500.
/// </summary>
internal sealed class PublicBodyLimit(IOptions<SubscribersOptions> options, SubscriptionPageKit pages) : IEndpointFilter
{
    public const int MaxFormValues = 64;
    public const int MaxKeyLength = 100;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limit = options.Value.MaxPublicBodyBytes;
        if (http.Request.ContentLength > limit)
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge); // the error pages say it, in French to browsers
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions
        {
            ValueCountLimit = MaxFormValues,
            ValueLengthLimit = limit,
            KeyLengthLimit = MaxKeyLength,
            MultipartBodyLengthLimit = limit,
            MultipartHeadersCountLimit = 8,
            BufferBody = false,
        }));

        if (http.Request.HasFormContentType)
        {
            try
            {
                await http.Request.ReadFormAsync(http.RequestAborted);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException or AntiforgeryValidationException)
            {
                if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
                    return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
                // The route's pattern, not the path: a path carries the reader's link token.
                pages.Logger.LogInformation("Unreadable form posted to {Route}: {Reason}", (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText, e.Message);
                return await pages.ProblemAsync(http, LinkProblem.UnreadableForm, StatusCodes.Status400BadRequest);
            }
        }
        return await next(context);
    }
}
