using Microsoft.Extensions.AI;

namespace Dreaming.Benchmarks;

/// <summary>A model that answers instantly with a fixed response, so only the pipeline's own cost is measured.</summary>
internal sealed class NoOpChatClient : IChatClient
{
    private static readonly ChatResponse s_response = new(new ChatMessage(ChatRole.Assistant, "It was delivered yesterday."))
    {
        ModelId = "noop",
        FinishReason = ChatFinishReason.Stop,
        Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 8 },
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(s_response);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        s_response.ToChatResponseUpdates().ToAsyncEnumerable();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
