using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>Sessions whose tools need a person's approval (<see cref="ApprovalRequiredAIFunction"/>): request 1 returns the
/// approval requests, request 2 sends the answers with the history, and a last turn re-sends all of it.</summary>
public class ToolApprovalTests
{
    public static TheoryData<bool, bool> Orders => new() { { true, false }, { true, true }, { false, false }, { false, true } };

    // Inside UseFunctionInvocation(), with two calls answered differently, a stream gives the host both results in one
    // tool message, not the two UseFunctionInvocation() sent down: the next turn records them, and the answer after
    // them, again (tracing.md says so).
    public static TheoryData<bool, bool> OrdersButMixedStreamInside => new() { { true, false }, { true, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task An_approved_call_is_recorded_once_with_its_result(bool dreamingOutside, bool streaming)
    {
        var events = await RunAsync(dreamingOutside, streaming, ["42"], requests => [requests[0].CreateResponse(approved: true)]);

        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("c1", "refund", "{\"orderId\":\"42\"}"), (call.CallId, call.ToolName, call.Arguments));
        var result = Assert.Single(events.OfType<ToolResultEvent>());
        Assert.Equal(("c1", "refund", "refunded 42", false, null), (result.CallId, result.ToolName, result.Result, result.IsError, result.ErrorType));
        AssertConversationRecordedOnce(events);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_rejected_call_is_recorded_once_as_a_rejection_with_the_reason(bool dreamingOutside, bool streaming)
    {
        var events = await RunAsync(dreamingOutside, streaming, ["42"], requests => [requests[0].CreateResponse(approved: false, "over the refund limit")]);

        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("c1", "refund"), (call.CallId, call.ToolName));
        var result = Assert.Single(events.OfType<ToolResultEvent>());
        Assert.Equal(("c1", "refund", true, ToolResultEvent.RejectedErrorType, "over the refund limit"), (result.CallId, result.ToolName, result.IsError, result.ErrorType, result.ErrorMessage));

        // What the model was told, as it was told.
        Assert.StartsWith("Tool call invocation was rejected", result.Result, StringComparison.Ordinal);
        AssertConversationRecordedOnce(events);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_call_rejected_without_a_reason_is_a_rejection_with_no_message(bool dreamingOutside, bool streaming)
    {
        var events = await RunAsync(dreamingOutside, streaming, ["42"], requests => [requests[0].CreateResponse(approved: false)]);

        Assert.Single(events.OfType<ToolCallEvent>());
        var result = Assert.Single(events.OfType<ToolResultEvent>());
        Assert.Equal(("c1", true, ToolResultEvent.RejectedErrorType, null), (result.CallId, result.IsError, result.ErrorType, result.ErrorMessage));
        AssertConversationRecordedOnce(events);
    }

    [Theory]
    [MemberData(nameof(OrdersButMixedStreamInside))]
    public async Task Of_two_calls_in_one_turn_the_approved_one_succeeds_and_the_rejected_one_is_a_rejection(bool dreamingOutside, bool streaming)
    {
        var events = await RunAsync(dreamingOutside, streaming, ["42", "7"], requests => [requests[0].CreateResponse(approved: true), requests[1].CreateResponse(approved: false, "needs a manager")]);

        // UseFunctionInvocation() gives the rejected calls before the approved ones; each is recorded once.
        Assert.Equal(["c1", "c2"], events.OfType<ToolCallEvent>().Select(c => c.CallId).Order());
        var results = events.OfType<ToolResultEvent>().OrderBy(r => r.CallId, StringComparer.Ordinal).ToList();
        Assert.Equal(["c1", "c2"], results.Select(r => r.CallId));
        Assert.Equal(("refunded 42", false, null), (results[0].Result, results[0].IsError, results[0].ErrorType));
        Assert.Equal((true, ToolResultEvent.RejectedErrorType, "needs a manager"), (results[1].IsError, results[1].ErrorType, results[1].ErrorMessage));
        Assert.Single(events.OfType<ToolResultEvent>(), r => r.IsError);
        AssertConversationRecordedOnce(events);
    }

    // The model made the call even if no one ever answers: outside UseFunctionInvocation(), and inside it in a stream
    // (whose updates it rewrites before the stream ends), the middleware sees only the approval request.
    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_call_never_answered_is_recorded_when_the_model_makes_it(bool dreamingOutside, bool streaming)
    {
        var refund = new ApprovalRequiredAIFunction(AIFunctionFactory.Create((string orderId) => "refunded " + orderId, "refund"));
        await using var host = TracingHost.Create(ToolCaller(["42"]), pipeline: b => Pipeline(b, dreamingOutside));
        await using var session = host.Sessions.StartSession("agent", "refunds");
        List<ChatMessage> history = [new(ChatRole.User, "refund please")];

        var response = await CallAsync(host.Chat, history, new ChatOptions { Tools = [refund] }, streaming);
        Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>());
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("c1", "refund", "{\"orderId\":\"42\"}"), (call.CallId, call.ToolName, call.Arguments));
        Assert.Empty(events.OfType<ToolResultEvent>());
        Assert.Equal(["user: refund please", "assistant: checking"], events.OfType<MessageEvent>().Select(m => m.Role + ": " + m.Text));
    }

    // Nothing of the approval plumbing is a message: the user's task, the answer and the next turn's, once each.
    private static void AssertConversationRecordedOnce(IReadOnlyList<SessionEvent> events)
    {
        Assert.Equal(["user: refund please", "assistant: checking", "assistant: done", "user: thanks", "assistant: done"], events.OfType<MessageEvent>().Select(m => m.Role + ": " + m.Text));
        var sequence = events.Select(e => e.Sequence).ToList();
        Assert.Equal(sequence.Order(), sequence);
    }

    private static async Task<IReadOnlyList<SessionEvent>> RunAsync(bool dreamingOutside, bool streaming, string[] orders, Func<IReadOnlyList<ToolApprovalRequestContent>, AIContent[]> decide)
    {
        var refund = new ApprovalRequiredAIFunction(AIFunctionFactory.Create((string orderId) => "refunded " + orderId, "refund"));
        await using var host = TracingHost.Create(ToolCaller(orders), pipeline: b => Pipeline(b, dreamingOutside));
        await using var session = host.Sessions.StartSession("agent", "refunds");
        var options = new ChatOptions { Tools = [refund] };
        List<ChatMessage> history = [new(ChatRole.User, "refund please")];

        history.AddRange((await CallAsync(host.Chat, history, options, streaming)).Messages);
        var requests = history.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().ToList();
        Assert.Equal(orders.Length, requests.Count);
        history.Add(new ChatMessage(ChatRole.User, decide(requests)));
        history.AddRange((await CallAsync(host.Chat, history, options, streaming)).Messages);
        history.Add(new ChatMessage(ChatRole.User, "thanks"));
        history.AddRange((await CallAsync(host.Chat, history, options, streaming)).Messages);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(events.Count, (await host.Store.GetSessionAsync(session.Id))!.EventCount);
        return events;
    }

    private static void Pipeline(ChatClientBuilder builder, bool dreamingOutside)
    {
        if (dreamingOutside)
        {
            builder.UseDreaming().UseFunctionInvocation();
        }
        else
        {
            builder.UseFunctionInvocation().UseDreaming();
        }
    }

    private static async Task<ChatResponse> CallAsync(IChatClient chat, List<ChatMessage> history, ChatOptions options, bool streaming) =>
        streaming ? await chat.GetStreamingResponseAsync(history, options).ToChatResponseAsync() : await chat.GetResponseAsync(history, options);

    /// <summary>Asks to refund each order on the first turn, saying "checking" with the calls; answers "done" once it
    /// has results or when the last message is the user's thanks.</summary>
    private static FakeChatClient ToolCaller(string[] orders) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var last = messages.Last();
            ChatMessage reply = last.Role == ChatRole.Tool || last.Text == "thanks"
                ? new(ChatRole.Assistant, "done")
                : new(ChatRole.Assistant, [new TextContent("checking"), .. orders.Select((o, i) => new FunctionCallContent("c" + (i + 1), "refund", new Dictionary<string, object?> { ["orderId"] = o }))]);
            return Task.FromResult(new ChatResponse(reply) { ModelId = "m", Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } });
        },
    };
}
