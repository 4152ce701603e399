using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EnContact.Syndication.Subscribers;

/// <summary>Public bodies are small: a larger one is refused before it is read; forms are parsed with tight limits.</summary>
internal sealed class PublicBodyLimit(IOptions<SubscribersOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limit = options.Value.MaxPublicBodyBytes;
        if (http.Request.ContentLength > limit)
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large", detail: $"At most {limit} bytes.");
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions
        {
            ValueCountLimit = 64,
            ValueLengthLimit = limit,
            KeyLengthLimit = 100,
            MultipartBodyLengthLimit = limit,
            MultipartHeadersCountLimit = 8,
            BufferBody = false,
        }));
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable form", detail: e.Message);
        }
    }
}
