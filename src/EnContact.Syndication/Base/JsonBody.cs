using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnContact.Syndication.Base;

/// <summary>
/// Reads a JSON request body inside the handler, not through parameter binding: binding happens
/// before filters and makes routing answer 415 before authorization, so an anonymous caller could
/// learn how a route reads its body. Every error names the field and the position.
/// </summary>
public static class JsonBody
{
    /// <summary>Strict: a misspelt field ("titel") is an error, not silently dropped; nesting is bounded.</summary>
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>The body as <typeparamref name="T"/>, or the problem to answer (415, 413, 400 naming the field).</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, long limit, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the body as JSON with 'Content-Type: application/json'."));
        if (request.ContentLength > limit)
            return (null, TooLarge(limit));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Strict, cancellationToken);
            return value is null
                ? (null, Invalid("body", "the body is empty or null; send a JSON object"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Invalid(FieldOf(e.Path), $"the body could not be read: {Describe(e)}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
    }

    /// <summary>A 400 whose <c>errors</c> name one field, in the shape of a validation problem.</summary>
    public static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body could not be read",
        });

    private static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"The body is larger than the {limit}-byte limit (setting Admin:MaxRequestBodyBytes).");

    private static string FieldOf(string? jsonPath) =>
        string.IsNullOrEmpty(jsonPath) || jsonPath == "$" ? "body" : jsonPath.TrimStart('$', '.').Split('[', '.')[0] is { Length: > 0 } name ? name : "body";

    private static string Describe(JsonException e)
    {
        // System.Text.Json's messages name .NET types; say it in the API's own terms.
        var what = e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field (see the API reference for the accepted fields)"
            : e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "wrong type of value (text, list of texts or true/false expected)"
            : e.Message.Split(" Path:")[0];
        return e.LineNumber is { } line ? $"{what} (line {line + 1}, byte {e.BytePositionInLine + 1})" : what;
    }
}
