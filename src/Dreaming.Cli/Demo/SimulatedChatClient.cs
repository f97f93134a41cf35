using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dreaming.Cli.Demo;

/// <summary>What the demo's deterministic fake models share: streaming as the whole reply in updates, metadata naming
/// the model, nothing to dispose. A subclass writes only its reply.</summary>
internal abstract class SimulatedChatClient(string modelId) : IChatClient
{
    public abstract Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("simulated", defaultModelId: modelId) : null;

    public void Dispose()
    {
    }
}
