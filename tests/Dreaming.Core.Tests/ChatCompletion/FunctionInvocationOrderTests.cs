using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public class FunctionInvocationOrderTests
{
    public static TheoryData<bool, bool> Orders => new() { { true, false }, { false, false }, { true, true }, { false, true } };

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Tool_calls_and_results_including_errors_are_recorded_once_in_either_order(bool dreamingOutside, bool streaming)
    {
        var lookup = AIFunctionFactory.Create((string orderId) => orderId == "42" ? "shipped" : throw new KeyNotFoundException($"order {orderId} not found"), "lookup_order");
        await using var host = TracingHost.Create(
            ScriptedToolCaller(),
            pipeline: b => InOrder(b, dreamingOutside));
        await using var session = host.Sessions.StartSession("agent", "check orders");
        var options = new ChatOptions { Tools = [lookup] };

        var text = streaming
            ? (await host.Chat.GetStreamingResponseAsync("check 42 and 7", options).ToChatResponseAsync()).Text
            : (await host.Chat.GetResponseAsync("check 42 and 7", options)).Text;
        await session.CompleteAsync();

        Assert.Equal("done", text);
        var events = await host.EventsAsync(session.Id);
        var calls = events.OfType<ToolCallEvent>().ToList();
        Assert.Equal(["c1", "c2"], calls.Select(c => c.CallId));
        Assert.All(calls, c => Assert.Equal("lookup_order", c.ToolName));
        Assert.Contains("\"42\"", calls[0].Arguments, StringComparison.Ordinal);
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal(["c1", "c2"], results.Select(r => r.CallId));
        Assert.All(results, r => Assert.Equal("lookup_order", r.ToolName));
        Assert.False(results[0].IsError);
        Assert.Equal("shipped", results[0].Result);
        Assert.True(results[1].IsError);
        Assert.Equal(nameof(KeyNotFoundException), results[1].ErrorType);
        Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Single(events.OfType<MessageEvent>(), m => m.Text == "done");
        var expectedModelEvents = dreamingOutside ? 1 : 2;
        Assert.Equal(expectedModelEvents, events.OfType<ModelResponseEvent>().Count());
        var callIndex = events.ToList().FindIndex(e => e is ToolCallEvent);
        var resultIndex = events.ToList().FindIndex(e => e is ToolResultEvent);
        Assert.True(callIndex < resultIndex);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task Tool_errors_are_recorded_once_when_the_system_prompt_changes_every_turn(bool dreamingOutside, bool streaming)
    {
        var lookup = AIFunctionFactory.Create(string (string orderId) => throw new KeyNotFoundException($"order {orderId} not found"), "lookup_order");
        await using var host = TracingHost.Create(
            ToolCallerEachTurn(),
            pipeline: b => InOrder(b, dreamingOutside));
        await using var session = host.Sessions.StartSession("agent", "check orders");
        var options = new ChatOptions { Tools = [lookup] };
        var history = new List<ChatMessage>();
        for (var turn = 1; turn <= 3; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "check order " + turn));
            List<ChatMessage> sent = [new(ChatRole.System, $"Now: turn {turn}."), .. history];
            var response = streaming
                ? await host.Chat.GetStreamingResponseAsync(sent, options).ToChatResponseAsync()
                : await host.Chat.GetResponseAsync(sent, options);
            history.AddRange(response.Messages);
        }

        await session.CompleteAsync();
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["t1", "t2", "t3"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["t1", "t2", "t3"], events.OfType<ToolResultEvent>().Select(r => r.CallId));
        Assert.All(events.OfType<ToolResultEvent>(), r => Assert.True(r.IsError));
        Assert.Equal(3, events.OfType<MessageEvent>().Count(m => m.Role == "user"));
        Assert.Equal(3, events.OfType<MessageEvent>().Count(m => m.Role == "system"));
        Assert.Equal(3, events.OfType<MessageEvent>().Count(m => m.Text == "done"));
    }

    [Fact]
    public async Task Tool_rounds_sent_on_the_service_conversation_are_not_recorded_again_when_the_host_sends_its_history()
    {
        // The service answers with a conversation id, so UseFunctionInvocation() sends only the tool results on the next
        // round; the host itself ignores the id and sends its whole history on the next turn.
        var lookup = AIFunctionFactory.Create(string (string orderId) => throw new KeyNotFoundException($"order {orderId} not found"), "lookup_order");
        await using var host = TracingHost.Create(ToolCallerEachTurn(conversationId: "resp_1"), pipeline: b => b.UseFunctionInvocation().UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "check orders");
        var options = new ChatOptions { Tools = [lookup] };
        var history = new List<ChatMessage>();
        for (var turn = 1; turn <= 2; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "check order " + turn));
            history.AddRange((await host.Chat.GetResponseAsync(history, options)).Messages);
        }

        await session.CompleteAsync();
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["t1", "t2"], events.OfType<ToolResultEvent>().Select(r => r.CallId));
        Assert.Equal(2, events.OfType<MessageEvent>().Count(m => m.Text == "done"));
        Assert.Equal(2, events.OfType<MessageEvent>().Count(m => m.Role == "user"));
    }

    // UseFunctionInvocation() inside, a service that answers with a conversation id (so tool rounds go on it), and a
    // stateless host sending its whole history each turn, longer than what is kept of a server-side conversation.
    [Fact]
    public async Task A_long_history_sent_by_the_host_after_server_side_tool_rounds_is_not_recorded_again()
    {
        var lookup = AIFunctionFactory.Create((string orderId) => "ok", "lookup_order");
        await using var host = TracingHost.Create(ToolCallerEachTurn(conversationId: "resp_1"), pipeline: b => b.UseFunctionInvocation().UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "check orders");
        var options = new ChatOptions { Tools = [lookup] };
        var history = new List<ChatMessage>();
        for (var i = 0; i < 150; i++)
        {
            history.Add(new ChatMessage(ChatRole.User, "old q" + i));
            history.Add(new ChatMessage(ChatRole.Assistant, "old a" + i));
        }

        for (var t = 1; t <= 2; t++)
        {
            history.Add(new ChatMessage(ChatRole.User, "check order " + t));
            history.AddRange((await host.Chat.GetResponseAsync(history, options)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Equal(1, texts.Count(t => t == "old q0"));
        Assert.Equal(2, texts.Count(t => t == "done"));
    }

    // An agent started by instructions alone (a scheduled job) with UseFunctionInvocation() outside UseDreaming(): the
    // first round's tool call is the response of a request that held only a system message.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_tool_round_after_a_request_of_instructions_alone_records_the_tool_call_once(bool streaming)
    {
        var report = AIFunctionFactory.Create(() => "sent", "send_report");
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(
                messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())
                    ? new ChatMessage(ChatRole.Assistant, "done")
                    : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "send_report")]))),
        };
        await using var host = TracingHost.Create(inner, pipeline: b => b.UseFunctionInvocation().UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "daily report");
        List<ChatMessage> sent = [new(ChatRole.System, "Send the daily report.")];
        var options = new ChatOptions { Tools = [report] };
        _ = streaming
            ? await host.Chat.GetStreamingResponseAsync(sent, options).ToChatResponseAsync()
            : await host.Chat.GetResponseAsync(sent, options);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Single(events.OfType<ToolResultEvent>());
    }

    [Fact]
    public async Task Tool_results_with_the_error_prefix_are_errors_when_configured()
    {
        var tool = AIFunctionFactory.Create((string orderId) => "Error: order " + orderId + " is locked", "lookup_order");
        await using var host = TracingHost.Create(
            ScriptedToolCaller(),
            pipeline: b => b.UseDreaming().UseFunctionInvocation(),
            options: o => o.ToolErrorPrefix = "Error:");
        await using var session = host.Sessions.StartSession("agent", "task");
        await host.Chat.GetResponseAsync("check", new ChatOptions { Tools = [tool] });
        await session.CompleteAsync();

        Assert.All((await host.EventsAsync(session.Id)).OfType<ToolResultEvent>(), r => Assert.True(r.IsError));
    }

    /// <summary>Asks for one tool call after each user message, answers "done" once it has its result.</summary>
    private static FakeChatClient ToolCallerEachTurn(string? conversationId = null)
    {
        var turn = 0;
        return new()
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                var last = messages.Last();
                turn += last.Role == ChatRole.User ? 1 : 0;
                var reply = last.Role == ChatRole.User
                    ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("t" + turn, "lookup_order", new Dictionary<string, object?> { ["orderId"] = "7" })])
                    : new ChatMessage(ChatRole.Assistant, "done");
                return Task.FromResult(new ChatResponse(reply) { ModelId = "m", ConversationId = conversationId });
            },
        };
    }

    /// <summary>Asks for two tool calls on the first round, answers "done" once it has their results.</summary>
    private static FakeChatClient ScriptedToolCaller() => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var hasResults = messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any());
            var reply = hasResults
                ? new ChatMessage(ChatRole.Assistant, "done")
                : new ChatMessage(ChatRole.Assistant, [
                    new FunctionCallContent("c1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = "42" }),
                    new FunctionCallContent("c2", "lookup_order", new Dictionary<string, object?> { ["orderId"] = "7" })]);
            return Task.FromResult(new ChatResponse(reply) { ModelId = "m", Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } });
        },
    };

    private static void InOrder(ChatClientBuilder builder, bool dreamingOutside)
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
}
