using System.ClientModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Model;

/// <summary>A call to the configured model endpoint failed: the message is one line naming the endpoint, the model, what
/// went wrong and, where it helps, what to check; it never holds the API key.</summary>
internal sealed class ModelEndpointException(string message, Exception? innerException) : InvalidOperationException(message, innerException);

/// <summary>The configured endpoint's client, whose failures (an HTTP error, an unreachable endpoint, a reply that is not
/// JSON, the SDK's retries used up, its network timeout) surface as one <see cref="ModelEndpointException"/> rather than
/// the OpenAI SDK's multi-line messages (response headers and all), its JSON parser's exception, or a timeout that reads
/// as the user's Ctrl+C. The caller's own cancellation passes through as it is.</summary>
internal sealed class ModelEndpointChatClient(IChatClient inner, ModelSettings settings) : DelegatingChatClient(inner)
{
    private const int MaxDetailLength = 300;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translatable(ex, cancellationToken))
        {
            throw Translate(ex);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (Translatable(ex, cancellationToken))
        {
            throw Translate(ex);
        }

        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (Translatable(ex, cancellationToken))
                {
                    throw Translate(ex);
                }

                yield return updates.Current;
            }
        }
    }

    // The caller's cancellation stays a cancellation; an OperationCanceledException without it is the SDK's timeout.
    private static bool Translatable(Exception ex, CancellationToken cancellationToken) =>
        ex is not (OutOfMemoryException or ModelEndpointException) && !cancellationToken.IsCancellationRequested;

    private ModelEndpointException Translate(Exception ex)
    {
        var what = ex switch
        {
            AggregateException { InnerExceptions.Count: > 0 } aggregate => string.Create(
                CultureInfo.InvariantCulture,
                $"failed {aggregate.InnerExceptions.Count} times: {string.Join("; ", aggregate.InnerExceptions.Select(Describe).Distinct(StringComparer.Ordinal))}"),
            _ => Describe(ex),
        };
        var message = Redact($"The model endpoint {SafeEndpoint(settings.Endpoint)} (model '{settings.Model}') {what}");

        // The original exception is kept for a debugger or a log, unless its text holds the key (a proxy echoing it back).
        var keep = string.IsNullOrEmpty(settings.ApiKey) || !ex.ToString().Contains(settings.ApiKey, StringComparison.Ordinal);
        return new ModelEndpointException(message, keep ? ex : null);
    }

    private string Describe(Exception ex) => ex switch
    {
        ClientResultException { Status: > 0 } http => HttpFailure(http),
        OperationCanceledException => "gave no answer in time: " + FirstLine(ex.Message),
        HttpRequestException or IOException => Transport(ex),
        ClientResultException { InnerException: HttpRequestException or IOException } => Transport(ex.InnerException),
        JsonException => "sent a reply that is not an OpenAI chat completion (not JSON): " + FirstLine(ex.Message),
        ClientResultException => FirstLine(ex.Message),
        _ => $"failed ({ex.GetType().Name}): {FirstLine(ex.Message)}",
    };

    // Transport errors (the SDK wraps them in a ClientResultException without a status).
    private string Transport(Exception ex) =>
        ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }
            ? "could not be reached: " + FirstLine(ex.Message)
            : "broke off the exchange: " + FirstLine(ex.Message);

    private string HttpFailure(ClientResultException ex)
    {
        var response = ex.GetRawResponse();
        var reason = string.IsNullOrEmpty(response?.ReasonPhrase) ? string.Empty : " " + response.ReasonPhrase;
        var detail = ErrorDetail(response);
        var hint = ex.Status switch
        {
            401 or 403 => $" Check the key in {ModelSettings.ApiKeyVariable} (or OPENAI_API_KEY).",
            404 => $" Check the model name and that the endpoint is the API's base URL, which usually ends in /v1 (for example http://localhost:11434/v1).",
            _ => TooLongAWait(response),
        };
        return string.Create(CultureInfo.InvariantCulture, $"answered HTTP {ex.Status}{reason}{(detail.Length == 0 ? string.Empty : ": " + detail)}.{hint}");
    }

    // A wait longer than a try may take is not waited out (BoundedRetryPolicy): say so, naming the option that sets it.
    private string TooLongAWait(System.ClientModel.Primitives.PipelineResponse? response) =>
        BoundedRetryPolicy.RequestedWait(response) is { } wait && wait > settings.EffectiveTimeout
            ? string.Create(
                CultureInfo.InvariantCulture,
                $" It asked to wait {wait.TotalSeconds:0.###} s before trying again (Retry-After), longer than a try may take ({settings.EffectiveTimeout.TotalSeconds:0.###} s, set by --model-timeout or {ModelSettings.TimeoutVariable}), so it was not tried again; try later.")
            : string.Empty;

    // The error body's message ({"error":{"message":...}} on OpenAI and most gateways), else the start of the body.
    private string ErrorDetail(System.ClientModel.Primitives.PipelineResponse? response)
    {
        string body;
        try
        {
            body = response?.Content?.ToString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return string.Empty; // a streamed body that was not buffered
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("error", out var error))
            {
                var text = error.ValueKind switch
                {
                    JsonValueKind.String => Text(error),
                    JsonValueKind.Object when error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String => Text(m),
                    _ => null,
                };
                if (!string.IsNullOrWhiteSpace(text))
                {
                    return FirstLine(text).TrimEnd('.');
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body's own start below.
        }

        return FirstLine(body).TrimEnd('.');
    }

    // A JSON string as text; one holding half a surrogate pair as an escape ("caf\ud83d", a character cut in two), which
    // cannot be read as a string, as it is written in the body (escapes and all) rather than an exception that would
    // hide the status and the message.
    private static string Text(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = value.GetRawText();
            return raw[1..^1];
        }
    }

    // Redacted before it is cut: a cut inside the key would leave its start, which the redaction of the whole key misses.
    private string FirstLine(string text) => Output.Text.Cut(Output.Text.OneLine(Redact(text)).Trim(), MaxDetailLength);

    private string Redact(string text) =>
        string.IsNullOrEmpty(settings.ApiKey) ? text : text.Replace(settings.ApiKey, "***", StringComparison.Ordinal);

    /// <summary>The endpoint as shown to the user: without a user name, password, query string or fragment, which may hold
    /// a secret.</summary>
    internal static string SafeEndpoint(Uri? endpoint)
    {
        if (endpoint is null)
        {
            return "(none)";
        }

        if (string.IsNullOrEmpty(endpoint.UserInfo) && string.IsNullOrEmpty(endpoint.Query) && string.IsNullOrEmpty(endpoint.Fragment))
        {
            return endpoint.ToString();
        }

        return new UriBuilder(endpoint) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty }.Uri.ToString();
    }
}
