namespace Dreaming.Cli.Model;

/// <summary>Where the tool finds a model: any OpenAI-compatible endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, gateways).</summary>
/// <remarks>Read from the environment: <c>DREAMING_MODEL_ENDPOINT</c>, <c>DREAMING_MODEL</c>, <c>DREAMING_MODEL_API_KEY</c>
/// (falling back to <c>OPENAI_API_KEY</c> when that is unset or blank; white space around the key is ignored). A model name alone is not enough: without an endpoint nothing is called.</remarks>
internal sealed record ModelSettings(Uri? Endpoint, string? Model, string? ApiKey)
{
    public const string EndpointVariable = "DREAMING_MODEL_ENDPOINT";
    public const string ModelVariable = "DREAMING_MODEL";
    public const string ApiKeyVariable = "DREAMING_MODEL_API_KEY";

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
            throw new ArgumentException($"{EndpointVariable} (or --model-endpoint) is '{endpointText}', which is not an http or https URL (for example http://localhost:11434/v1).");
        }

        return new ModelSettings(endpoint, read(ModelVariable), Key(read(ApiKeyVariable)) ?? Key(read("OPENAI_API_KEY")));
    }

    // A key read from an env file or a secret store may end in a line break, which the OpenAI SDK would put into the
    // Authorization header as it is (splitting the request); no key holds white space, so it is trimmed off.
    private static string? Key(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public string Describe() => IsConfigured
        ? $"{Model} at {Endpoint} (api key {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set")})"
        : $"none configured: set {EndpointVariable} and {ModelVariable} (and {ApiKeyVariable} if the endpoint needs one)";
}
