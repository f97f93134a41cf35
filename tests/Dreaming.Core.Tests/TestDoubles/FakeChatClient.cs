using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>A chat client driven by callbacks, as in Microsoft.Extensions.AI's own tests.</summary>
internal sealed class FakeChatClient : IChatClient
{
    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? GetResponseAsyncCallback { get; set; }

    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? GetStreamingResponseAsyncCallback { get; set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetResponseAsyncCallback!(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsyncCallback is not null
            ? GetStreamingResponseAsyncCallback(messages, options, cancellationToken)
            : FromResponse(GetResponseAsync(messages, options, cancellationToken), cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", defaultModelId: "fake-model") : null;

    public void Dispose()
    {
    }

    /// <summary>Echoes the last user message, with usage.</summary>
    public static FakeChatClient Echo() => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var last = messages.Last(m => m.Role == ChatRole.User).Text;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + last))
            {
                ModelId = "fake-model-1",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, CachedInputTokenCount = 2 },
                ResponseId = "resp-1",
            });
        },
    };

    private static async IAsyncEnumerable<ChatResponseUpdate> FromResponse(Task<ChatResponse> response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var update in (await response.ConfigureAwait(false)).ToChatResponseUpdates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return update;
        }
    }
}
