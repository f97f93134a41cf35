using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Dreaming.Cli.Model;

/// <summary>Creates the <see cref="IChatClient"/> of a configured OpenAI-compatible endpoint.</summary>
/// <remarks>The OpenAI SDK retries what may pass (408, 429 after its Retry-After, 5xx, a dropped connection) three times
/// and gives each try 100 s (or <see cref="ModelSettings.Timeout"/>), but does not wait out a Retry-After longer than that
/// (<see cref="BoundedRetryPolicy"/>); a failed call then throws one <see cref="ModelEndpointException"/>.</remarks>
internal static class ModelClientFactory
{
    public static IChatClient? TryCreate(ModelSettings settings)
    {
        if (!settings.IsConfigured)
        {
            return null;
        }

        // Local servers such as Ollama need no key, but the OpenAI client insists on one.
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(settings.ApiKey) ? "unused" : settings.ApiKey);
        var client = new OpenAIClient(credential, new OpenAIClientOptions
        {
            Endpoint = settings.Endpoint,
            NetworkTimeout = settings.Timeout,
            // A 429 or 503 asking to wait longer than a try may take fails at once rather than holding the command that long.
            RetryPolicy = new BoundedRetryPolicy(settings.EffectiveTimeout),
        });
        return new ModelEndpointChatClient(client.GetChatClient(settings.Model).AsIChatClient(), settings);
    }
}
