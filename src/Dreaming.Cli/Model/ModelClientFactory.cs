using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Dreaming.Cli.Model;

/// <summary>Creates the <see cref="IChatClient"/> of a configured OpenAI-compatible endpoint.</summary>
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
        var client = new OpenAIClient(credential, new OpenAIClientOptions { Endpoint = settings.Endpoint });
        return client.GetChatClient(settings.Model).AsIChatClient();
    }
}
