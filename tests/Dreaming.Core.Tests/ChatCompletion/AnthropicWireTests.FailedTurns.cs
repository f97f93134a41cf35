using Anthropic.Exceptions;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.AnthropicWireServer;

namespace Dreaming.Tests;

// A streamed tool turn whose second round fails or is cancelled, with UseDreaming() outside UseFunctionInvocation(): the
// first round was answered (and billed) before the failure; and a tool without arguments, streamed and not.
public partial class AnthropicWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_streamed_turn_that_fails_after_a_tool_round_records_the_usage_that_round_reported(bool cancelled)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new AnthropicWireServer().Stream(
        [
            MessageStart(Usage(30, 1, cacheRead: 20)),
            BlockStart(0, ToolUse("toolu_1", "lookup_order", new { })),
            JsonDelta(0, "{\"orderId\":\"42\"}"),
            BlockStop(0),
            MessageDelta("tool_use", new { output_tokens = 10 }),
            MessageStop(),
        ]);
        if (cancelled)
        {
            server.Stream(TextStream(Usage(60, 1), new { output_tokens = 4 }, "end_turn", "Your order", " shipped."), gate: gate.Task, gateAt: 3);
        }
        else
        {
            server.Error(529, "overloaded_error", "Overloaded");
        }

        await using var host = Host(server, dreamingOutside: true);
        await using var session = host.Sessions.StartSession("agent", "check order");
        using var cancellation = new CancellationTokenSource();

        var thrown = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in host.Chat.GetStreamingResponseAsync("check 42", new ChatOptions { Tools = [LookupOrder] }, cancellation.Token))
            {
                if (update.Text.Length > 0)
                {
                    cancellation.Cancel();
                }
            }
        }).WaitAsync(Bound);
        gate.TrySetResult();
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.IsAssignableFrom(cancelled ? typeof(OperationCanceledException) : typeof(AnthropicOverloadedException), thrown);
        var events = await host.EventsAsync(session.Id);
        var types = events.Select(e => e.EventType).ToList();
        Assert.Equal(["message.user", "tool.call", "tool.result"], types.Take(3));
        Assert.Equal(["model.response", "error"], types.TakeLast(2));
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal(("tool_calls", true), (response.FinishReason, response.Streaming));
        Assert.Equal((50L, 10L, 20L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((30 * 10) + 20 + (10 * 100), response.Usage.CostMinorUnits);
        Assert.Equal(cancelled, Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }

    /// <summary>A tool that takes no arguments: Anthropic sends its <c>input</c> as <c>{}</c>, and in a stream no JSON
    /// after it (one empty <c>input_json_delta</c>), which the SDK (13.14) gives as a call with no arguments at all.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_of_a_tool_without_arguments_is_recorded_with_the_arguments_the_SDK_gives(bool streaming)
    {
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(
            [
                MessageStart(Usage(30, 1)),
                BlockStart(0, ToolUse("toolu_1", "now", new { })),
                JsonDelta(0, ""),
                BlockStop(0),
                MessageDelta("tool_use", new { output_tokens = 6 }),
                MessageStop(),
            ]).Stream(TextStream(Usage(40, 1), new { output_tokens = 3 }, "end_turn", "Noon."));
        }
        else
        {
            server.Message([ToolUse("toolu_1", "now", new { })], "tool_use", Usage(30, 6)).Message([Text("Noon.")], usage: Usage(40, 3));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "time");
        var now = AIFunctionFactory.Create(() => "12:00", "now");
        Assert.Equal("Noon.", (await AskAsync(host, streaming, "what time is it?", new ChatOptions { Tools = [now] })).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("toolu_1", "now", streaming ? null : "{}", null), (call.CallId, call.ToolName, call.Arguments, call.ArgumentsError));
        var result = Assert.Single(events.OfType<ToolResultEvent>());
        Assert.Equal(("toolu_1", "12:00", false), (result.CallId, result.Result, result.IsError));
    }
}
