using System.ClientModel;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

// A streamed tool turn whose second round fails or is cancelled, with UseDreaming() outside UseFunctionInvocation(): the
// first round was answered (and billed) before the failure.
public partial class OpenAIWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_streamed_turn_that_fails_after_a_tool_round_records_the_usage_that_round_reported(bool cancelled)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OpenAIWireServer().Stream(
        [
            Chunk(new { role = "assistant", tool_calls = new[] { ToolCallDelta(0, "call_1", "{\"orderId\":\"42\"}") } }),
            Chunk(finishReason: "tool_calls"),
            Chunk(usage: Usage(50, 10, cached: 20), noChoices: true),
        ]);
        if (cancelled)
        {
            server.Stream([Chunk(new { role = "assistant", content = "Your order" }), Chunk(new { content = " shipped." }), Chunk(finishReason: "stop")], gate: gate.Task, gateAt: 1);
        }
        else
        {
            server.Json(500, new { error = new { message = "The server had an error", type = "server_error" } });
        }

        await using var host = Host(server, dreamingOutside: true, maxRetries: 0);
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

        Assert.IsAssignableFrom(cancelled ? typeof(OperationCanceledException) : typeof(ClientResultException), thrown);
        var events = await host.EventsAsync(session.Id);
        var types = events.Select(e => e.EventType).ToList();
        Assert.Equal(["message.user", "tool.call", "tool.result"], types.Take(3));
        Assert.Equal(["model.response", "error"], types.TakeLast(2));
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal(("tool_calls", true), (response.FinishReason, response.Streaming));
        Assert.Equal((50L, 10L, 20L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((30 * 10) + (20 * 5) + (10 * 100), response.Usage.CostMinorUnits);
        Assert.Equal(cancelled, Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }

    [Fact]
    public async Task A_stream_that_fails_before_any_usage_still_records_no_model_response()
    {
        await using var server = new OpenAIWireServer().Stream([Chunk(new { role = "assistant", content = "Hel" }), "not json"]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "fail");

        await Assert.ThrowsAnyAsync<Exception>(() => AskAsync(host, streaming: true, "hi"));
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(["message.user", "message.assistant", "error"], (await host.EventsAsync(session.Id)).Select(e => e.EventType));
        Assert.Equal(new SessionUsage(), (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }
}
