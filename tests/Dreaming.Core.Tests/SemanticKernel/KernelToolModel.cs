using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>A model for Semantic Kernel's automatic function calling: given a user's message naming orders, it calls
/// the one tool it is offered (whatever name Semantic Kernel gives a plugin's function) once per order, in one
/// response, with call ids <c>call-{order}</c>; given their results, it answers <c>order 42: shipped</c> (one line per
/// result). Usage 20 + 5 tokens for a tool round, 10 + 5 for an answer. It keeps a copy of every request.</summary>
internal sealed partial class KernelToolModel : IChatClient
{
    private readonly List<IReadOnlyList<ChatMessage>> _requests = [];

    /// <summary>Gets a copy of each request's messages, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Gets the name of the tool the last call was offered (Semantic Kernel names a plugin's function itself).</summary>
    public string? OfferedTool { get; private set; }

    /// <summary>Gets or sets the exception every call fails with.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Gets or sets the text the model writes before its tool calls, in the same response (streamed as an update
    /// of its own, before the calls').</summary>
    public string? Preamble { get; set; }

    /// <summary>Gets or sets what a call awaits before it answers a tool round's results (to cancel a call mid-turn).</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var list = messages.ToList();
        lock (_requests)
        {
            _requests.Add(list);
        }

        if (Failure is { } failure)
        {
            throw failure;
        }

        var last = list[^1];
        if (last.Role == ChatRole.Tool)
        {
            if (BeforeAnswer is { } before)
            {
                await before(cancellationToken);
            }

            var results = list.Skip(list.FindLastIndex(m => m.Role == ChatRole.Assistant) + 1).SelectMany(m => m.Contents.OfType<FunctionResultContent>());
            var text = string.Join("\n", results.Select(r => $"order {r.CallId["call-".Length..]}: {r.Result}"));
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
            {
                ModelId = "fake-model",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            };
        }

        var tool = options?.Tools?.OfType<AIFunction>().SingleOrDefault();
        var orders = Orders().Matches(list.Last(m => m.Role == ChatRole.User).Text).Select(m => m.Value).ToList();
        OfferedTool = tool?.Name ?? OfferedTool;
        if (tool is null || orders.Count == 0)
        {
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "which order?")) { ModelId = "fake-model", FinishReason = ChatFinishReason.Stop };
        }

        var calls = orders.Select(o => (AIContent)new FunctionCallContent("call-" + o, tool.Name, new Dictionary<string, object?> { ["orderId"] = o })).ToList();
        if (Preamble is { } preamble)
        {
            calls.Insert(0, new TextContent(preamble));
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, calls))
        {
            ModelId = "fake-model",
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 5 },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            await Task.Yield();
            if (Preamble is null || update.Contents.Count < 2)
            {
                yield return update;
                continue;
            }

            // The preamble first, then the calls, as a provider streams them.
            foreach (var content in update.Contents)
            {
                yield return new ChatResponseUpdate(update.Role, [content]) { MessageId = update.MessageId, ResponseId = update.ResponseId, ModelId = update.ModelId };
            }

            yield return new ChatResponseUpdate { FinishReason = update.FinishReason, ResponseId = update.ResponseId, ModelId = update.ModelId };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", defaultModelId: "fake-model") : null;

    public void Dispose()
    {
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Orders();
}
