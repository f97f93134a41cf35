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
            pipeline: b =>
            {
                if (dreamingOutside)
                {
                    b.UseDreaming().UseFunctionInvocation();
                }
                else
                {
                    b.UseFunctionInvocation().UseDreaming();
                }
            });
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
}
