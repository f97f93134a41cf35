using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Dreaming.AspNetCore.Tests;

/// <summary>The model: answers <c>answer: {last user text}</c>; streams it in <see cref="Chunks"/> pieces, each after
/// <see cref="ChunkDelay"/>, honouring cancellation; counts the calls it saw cancelled.</summary>
internal sealed class ScriptedModel : IChatClient
{
    private int _cancelled;
    private int _started;

    public int Chunks { get; init; } = 3;

    public TimeSpan ChunkDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Gets the number of calls that ended by their token's cancellation.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Gets the number of calls begun.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Gets or sets whether the model ignores its token (a provider that does not stop when asked).</summary>
    public bool IgnoresCancellation { get; init; }

    /// <summary>Gets a task completed when a call has been cancelled.</summary>
    public TaskCompletionSource CancelledOnce { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets what the model answers; by default <c>answer: {last user text}</c>.</summary>
    public Func<IEnumerable<ChatMessage>, ChatMessage>? Reply { get; init; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _started);
        await WaitAsync(cancellationToken);
        return new ChatResponse(ReplyTo(messages)) { ModelId = "scripted", FinishReason = ChatFinishReason.Stop, Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 } };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _started);
        var reply = ReplyTo(messages);
        if (reply.Contents.OfType<FunctionCallContent>().Any())
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, reply.Contents) { FinishReason = ChatFinishReason.ToolCalls, ModelId = "scripted" };
            yield break;
        }

        for (var i = 0; i < Chunks; i++)
        {
            await WaitAsync(cancellationToken);
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? reply.Text : $" {i}") { ModelId = "scripted" };
        }

        yield return new ChatResponseUpdate { FinishReason = ChatFinishReason.Stop, ModelId = "scripted" };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", defaultModelId: "scripted") : null;

    public void Dispose()
    {
    }

    private async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(ChunkDelay, IgnoresCancellation ? CancellationToken.None : cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            CancelledOnce.TrySetResult();
            throw;
        }
    }

    private ChatMessage ReplyTo(IEnumerable<ChatMessage> messages) =>
        Reply?.Invoke(messages) ?? new ChatMessage(ChatRole.Assistant, "answer: " + messages.Last(m => m.Role == ChatRole.User).Text);
}
