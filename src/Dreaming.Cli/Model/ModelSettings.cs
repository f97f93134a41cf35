namespace Dreaming.Cli.Model;

/// <summary>Where the tool finds a model: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, gateways).</summary>
/// <remarks>Read from the environment: <c>DREAMING_MODEL_ENDPOINT</c>, <c>DREAMING_MODEL</c>, <c>DREAMING_MODEL_API_KEY</c>
/// (falling back to <c>OPENAI_API_KEY</c> when that is unset or blank; white space around the key is ignored) and
/// <c>DREAMING_MODEL_TIMEOUT</c> (the seconds each try of a call may take; the SDK's 100 when unset). A model name alone is
/// not enough: without an endpoint nothing is called. An endpoint without a model name is refused (there is no default
/// model name), rather than read as no model.</remarks>
internal sealed record ModelSettings(Uri? Endpoint, string? Model, string? ApiKey, TimeSpan? Timeout = null)
{
    public const string EndpointVariable = "DREAMING_MODEL_ENDPOINT";
    public const string ModelVariable = "DREAMING_MODEL";
    public const string ApiKeyVariable = "DREAMING_MODEL_API_KEY";
    public const string TimeoutVariable = "DREAMING_MODEL_TIMEOUT";
    public const string OpenAiApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>Every environment variable the tool reads.</summary>
    public static readonly IReadOnlyList<string> Variables = [EndpointVariable, ModelVariable, ApiKeyVariable, TimeoutVariable, OpenAiApiKeyVariable];

    /// <summary>The longest a try of a call may be given, in seconds.</summary>
    public const int MaxTimeoutSeconds = 3600;

    /// <summary>The SDK's time for each try of a call when <see cref="Timeout"/> is not set.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

    /// <summary>The time each try of a call may take: <see cref="Timeout"/>, or the SDK's 100 s. It also bounds the wait for
    /// a Retry-After: an endpoint asking for longer is not tried again.</summary>
    public TimeSpan EffectiveTimeout => Timeout ?? DefaultTimeout;

    public bool IsConfigured => Endpoint is not null && !string.IsNullOrWhiteSpace(Model);

    public static ModelSettings FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var endpointText = read(EndpointVariable);
        Uri? endpoint = null;
        // 'localhost:11434/v1' parses as an absolute URL of scheme 'localhost', which the client then cannot send to.
        if (!string.IsNullOrWhiteSpace(endpointText)
            && (!Uri.TryCreate(endpointText.Trim(), UriKind.Absolute, out endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"{EndpointVariable} (or --model-endpoint) is '{Output.Text.UrlWithoutSecrets(endpointText)}', which is not an http or https URL (for example http://localhost:11434/v1).");
        }

        // An endpoint without a model name would count as no model at all: the command would run offline (simulated
        // agents, template lessons) while the user believes it asked their endpoint. There is no default model name.
        var model = read(ModelVariable);
        if (endpoint is not null && string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException($"A model endpoint is set ({EndpointVariable} or --model-endpoint) but no model name: pass --model NAME or set {ModelVariable} (for example llama3.1 or gpt-4o-mini).");
        }

        return new ModelSettings(endpoint, model, Key(read(ApiKeyVariable)) ?? Key(read(OpenAiApiKeyVariable)), TimeoutOf(read(TimeoutVariable)));
    }

    // Seconds, as a whole or decimal number (invariant culture): a hung local server otherwise holds a command for the
    // SDK's 100 s a try, four tries in all.
    private static TimeSpan? TimeoutOf(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!double.TryParse(text.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || !(seconds >= 0.001) || seconds > MaxTimeoutSeconds)
        {
            throw new ArgumentException($"{TimeoutVariable} (or --model-timeout) is '{text}'; give the seconds each try of a model call may take, from 0.001 to {MaxTimeoutSeconds} (100 when unset).");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    // A key read from an env file or a secret store may end in a line break, which the OpenAI SDK would put into the
    // Authorization header as it is (splitting the request); no key holds white space, so it is trimmed off.
    private static string? Key(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The settings as shown to the user: the endpoint without a user name, password or query string, which may
    /// hold a secret, and whether a key is set (never the key).</summary>
    public string Describe() => IsConfigured
        ? $"{Model} at {ModelEndpointChatClient.SafeEndpoint(Endpoint)} (api key {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set")}{(Timeout is { } timeout ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", {timeout.TotalSeconds:0.###} s a try") : string.Empty)})"
        : $"none configured: set {EndpointVariable} and {ModelVariable} (and {ApiKeyVariable} if the endpoint needs one)";
}
