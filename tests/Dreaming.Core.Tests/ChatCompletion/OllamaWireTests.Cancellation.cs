using Microsoft.Extensions.AI;
using static Dreaming.Tests.OllamaWireServer;

namespace Dreaming.Tests;

// A stream OllamaSharp ends quietly when cancelled, after a tool round UseFunctionInvocation() ran inside UseDreaming():
// the round's finish reason must not pass the unfinished answer off as a whole response.
public partial class OllamaWireTests
{
    [Fact]
    public async Task A_stream_cancelled_in_the_answer_after_a_tool_round_under_UseFunctionInvocation_is_recorded_as_a_cancellation()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OllamaWireServer()
            .Stream([Part(ToolCalls(("lookup_order", new { orderId = "42" }))), Done(promptEvalCount: 50, evalCount: 10)])
            .Stream([Part(Text("do")), Part(Text("ne")), Done(promptEvalCount: 80, evalCount: 5)], gate: gate.Task, gateAt: 1);
        await using var host = Host(server, dreamingOutside: true);
        using var cancellation = new CancellationTokenSource();
        var received = new List<string>();

        await foreach (var update in host.Chat.GetStreamingResponseAsync("check 42", new ChatOptions { Tools = [LookupOrder] }, cancellation.Token))
        {
            if (update.Text == "do")
            {
                received.Add(update.Text);
                cancellation.Cancel();
            }
        }

        gate.TrySetResult();
        Assert.Equal(["do"], received);
        var record = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        var events = await host.EventsAsync(record.Id);
        Assert.Equal(("shipped", false), (Assert.Single(events.OfType<ToolResultEvent>()).Result, Assert.Single(events.OfType<ToolResultEvent>()).IsError));
        Assert.Equal("do", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var error = Assert.IsType<ErrorEvent>(events[^1]);
        Assert.Equal((typeof(OperationCanceledException).FullName, true, "chat.stream"), (error.ErrorType, error.IsCancellation, error.Operation));

        // The tool round's usage was spent and is kept; the answer's done line never came.
        Assert.Equal((50L, 10L), (record.Usage.InputTokens, record.Usage.OutputTokens));
    }

    [Fact]
    public async Task A_stream_whose_token_is_cancelled_after_the_answers_done_line_following_a_tool_round_is_a_whole_response()
    {
        await using var server = new OllamaWireServer()
            .Stream([Part(ToolCalls(("lookup_order", new { orderId = "42" }))), Done(promptEvalCount: 50, evalCount: 10)])
            .Stream([Part(Text("done")), Done(promptEvalCount: 80, evalCount: 5)]);
        await using var host = Host(server, dreamingOutside: true);
        using var cancellation = new CancellationTokenSource();
        var finishes = 0;

        await foreach (var update in host.Chat.GetStreamingResponseAsync("check 42", new ChatOptions { Tools = [LookupOrder] }, cancellation.Token))
        {
            // The second finish reason is the answer's: cancelling then is too late to cut anything.
            if (update.FinishReason is not null && ++finishes == 2)
            {
                cancellation.Cancel();
            }
        }

        var record = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Completed, record.Status);
        var events = await host.EventsAsync(record.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        Assert.Equal("done", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        Assert.Equal((130L, 15L), (record.Usage.InputTokens, record.Usage.OutputTokens));
    }
    [Fact]
    public async Task A_stream_cancelled_while_OllamaSharp_waits_for_a_line_delivers_that_line_then_ends_recorded_as_a_cancellation()
    {
        // tracing.md, "Ollama": OllamaSharp 5.5.2 does not stop a line read under way; the token takes effect once the line came.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OllamaWireServer().Stream([Part(Text("Hel")), Part(Text("lo")), Done(promptEvalCount: 10, evalCount: 2)], gate: gate.Task, gateAt: 1);
        await using var host = Host(server);
        using var cancellation = new CancellationTokenSource();
        var received = new List<string>();
        Task? late = null;

        await foreach (var update in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cancellation.Token))
        {
            received.Add(update.Text);
            if (late is null)
            {
                // Cancelled while the next line is awaited; that line is sent well after.
                cancellation.CancelAfter(TimeSpan.FromMilliseconds(100));
                late = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => gate.TrySetResult(), TaskScheduler.Default);
            }
        }

        await late!.WaitAsync(Bound);
        Assert.True(cancellation.IsCancellationRequested);
        Assert.Equal(["Hel", "lo"], received);
        var record = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        var events = await host.EventsAsync(record.Id);
        Assert.Equal(["message.user", "message.assistant", "error"], events.Select(e => e.EventType));
        Assert.Equal("Hello", ((MessageEvent)events[1]).Text);
        Assert.True(((ErrorEvent)events[2]).IsCancellation);
    }
}
