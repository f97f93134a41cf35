using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>What the provider wire tests (OpenAI, Anthropic, Ollama) share: a host whose pipeline puts
/// <c>UseDreaming()</c> outside or inside <c>UseFunctionInvocation()</c>, the tool they call, and a question asked
/// streamed or not.</summary>
internal static class WireHost
{
    /// <summary>How long a question may take before the test fails instead of hanging.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Gets the pipeline orders and streaming modes: (UseDreaming() outside, streaming).</summary>
    public static TheoryData<bool, bool> Orders => new() { { true, false }, { false, false }, { true, true }, { false, true } };

    /// <summary>Gets a tool that finds order 42 ("shipped") and throws for any other.</summary>
    public static AIFunction LookupOrder => AIFunctionFactory.Create(
        (string orderId) => orderId == "42" ? "shipped" : throw new KeyNotFoundException($"order {orderId} not found"), "lookup_order");

    /// <summary>Creates a host on <paramref name="client"/> with <c>UseDreaming().UseFunctionInvocation()</c>, or the
    /// other order when <paramref name="dreamingOutside"/> is <see langword="false"/>.</summary>
    public static TracingHost Create(IChatClient client, bool dreamingOutside, Action<DreamingOptions> options) =>
        TracingHost.Create(
            client,
            b =>
            {
                if (dreamingOutside)
                {
                    b.UseDreaming().UseFunctionInvocation();
                }
                else
                {
                    b.UseFunctionInvocation().UseDreaming();
                }
            },
            options);

    /// <summary>Asks the host's chat client, streamed (and gathered) or not, within <see cref="Bound"/>.</summary>
    public static async Task<ChatResponse> AskAsync(TracingHost host, bool streaming, IEnumerable<ChatMessage> messages, ChatOptions? options = null) => streaming
        ? await host.Chat.GetStreamingResponseAsync(messages, options).ToChatResponseAsync().WaitAsync(Bound)
        : await host.Chat.GetResponseAsync(messages, options).WaitAsync(Bound);

    /// <summary>Asks the host's chat client one user question, streamed (and gathered) or not, within <see cref="Bound"/>.</summary>
    public static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, string question, ChatOptions? options = null) =>
        AskAsync(host, streaming, [new ChatMessage(ChatRole.User, question)], options);

    /// <summary>After a stream cancelled once it had delivered "Hel": ends the caller's <paramref name="session"/> as
    /// abandoned, or, without one, checks the one-call session the middleware started was ended as abandoned, not left
    /// running or completed; then checks the session recorded the user's message, "Hel" and a cancellation of the stream.</summary>
    /// <returns>The session's error event, for checks of its own.</returns>
    /// <summary>Streams "hi", cancels the call's token on the first text that arrives (the server holds the rest at
    /// <paramref name="gate"/>), checks that the call ends cancelled with only "Hel" received, then lets the server go on.</summary>
    public static async Task CancelOnFirstTextAsync(TracingHost host, TaskCompletionSource gate)
    {
        using var cancellation = new CancellationTokenSource();
        var received = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cancellation.Token).WithCancellation(cancellation.Token))
            {
                if (update.Text.Length > 0)
                {
                    received.Add(update.Text);
                    cancellation.Cancel();
                }
            }
        }).WaitAsync(Bound);
        gate.TrySetResult();
        Assert.Equal(["Hel"], received);
    }

    public static async Task<ErrorEvent> AssertStreamCancelledAfterHelAsync(TracingHost host, IAgentSession? session)
    {
        string id;
        if (session is not null)
        {
            id = session.Id;
            await session.CompleteAsync(SessionStatus.Abandoned);
            await session.DisposeAsync();
        }
        else
        {
            var record = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
            Assert.Equal(SessionStatus.Abandoned, record.Status);
            id = record.Id;
        }

        var events = await host.EventsAsync(id);
        Assert.Equal(["message.user", "message.assistant", "error"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var error = (ErrorEvent)events[2];
        Assert.Equal((true, "chat.stream"), (error.IsCancellation, error.Operation));
        return error;
    }

    /// <summary>Checks the model responses of a turn of two rounds (a tool call of 50 input, 40 of them cached, and 10
    /// output tokens, then the answer of 80 and 5): outside <c>UseFunctionInvocation()</c> one for the turn with both
    /// rounds' usage, inside one a round, the first recorded before the first tool result.</summary>
    /// <returns>The model responses, in order.</returns>
    public static List<ModelResponseEvent> AssertTwoRoundResponses(IReadOnlyList<SessionEvent> events, bool dreamingOutside)
    {
        var responses = events.OfType<ModelResponseEvent>().ToList();
        if (dreamingOutside)
        {
            var turn = Assert.Single(responses);
            Assert.Equal(("stop", 130L, 15L, 40L), (turn.FinishReason, turn.Usage!.InputTokens, turn.Usage.OutputTokens, turn.Usage.CachedInputTokens));
        }
        else
        {
            Assert.Equal([("tool_calls", 50L, 10L), ("stop", 80L, 5L)], responses.Select(r => (r.FinishReason, r.Usage!.InputTokens, r.Usage.OutputTokens)));
            var order = events.ToList();
            Assert.True(order.IndexOf(responses[0]) < order.FindIndex(e => e is ToolResultEvent));
        }

        return responses;
    }

    /// <summary>Makes one lesson, <paramref name="insightId"/> of <paramref name="text"/>, the active memory of
    /// <paramref name="agentId"/> in the host's memory store, as a person approving it would.</summary>
    public static async Task ActivateLessonAsync(TracingHost host, string agentId, string insightId, string text)
    {
        var scope = MemoryScope.Agent(agentId);
        var at = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var memory = host.Services.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(new MemoryProposal
        {
            Scope = scope,
            Author = MemoryAuthor.Person("ada"),
            Insights =
            [
                new Insight
                {
                    Id = insightId,
                    Text = text,
                    Scope = scope,
                    Status = InsightStatus.Active,
                    Source = InsightSource.Human,
                    CreatedAt = at,
                    UpdatedAt = at,
                },
            ],
        });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));
    }
}
