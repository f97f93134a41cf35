using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exceptions_are_recorded_then_rethrown(bool streaming)
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => throw new InvalidOperationException("provider exploded"),
            GetStreamingResponseAsyncCallback = (_, _, _) => Throwing(),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            if (streaming)
            {
                await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi"))
                {
                }
            }
            else
            {
                await host.Chat.GetResponseAsync("hi");
            }
        });
        Assert.Equal("provider exploded", ex.Message);
        await session.CompleteAsync(SessionStatus.Failed);

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Equal(typeof(InvalidOperationException).FullName, error.ErrorType);
        Assert.Equal("provider exploded", error.Message);
        Assert.False(error.IsCancellation);
        Assert.Equal(streaming ? "chat.stream" : "chat", error.Operation);

        static async IAsyncEnumerable<ChatResponseUpdate> Throwing()
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
            await Task.Yield();
            throw new InvalidOperationException("provider exploded");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancellation_is_recorded_as_cancellation(bool streaming)
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (_, _, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new ChatResponse();
            },
            GetStreamingResponseAsyncCallback = (_, _, ct) => Hanging(ct),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            if (streaming)
            {
                await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                {
                }
            }
            else
            {
                await host.Chat.GetResponseAsync("hi", cancellationToken: cts.Token);
            }
        });
        await session.CompleteAsync();

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.True(error.IsCancellation);

        static async IAsyncEnumerable<ChatResponseUpdate> Hanging([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            yield break;
        }
    }

    [Fact]
    public async Task A_stream_the_consumer_stops_early_still_records_what_was_received()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await foreach (var _ in host.Chat.GetStreamingResponseAsync("hello"))
        {
            break;
        }

        await session.CompleteAsync();
        Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
    }

    [Fact]
    public async Task A_stream_that_fails_after_a_tool_round_records_the_tool_call_and_result_then_the_error()
    {
        var refunded = 0;
        var tool = AIFunctionFactory.Create((string id) => { refunded++; return "refunded " + id; }, "refund");
        var inner = new FakeChatClient
        {
            GetStreamingResponseAsyncCallback = (messages, _, _) => Stream(messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())),
        };
        await using var host = TracingHost.Create(inner, pipeline: b => b.UseDreaming().UseFunctionInvocation());
        await using var session = host.Sessions.StartSession("agent", "refund");

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("refund 42", new ChatOptions { Tools = [tool] }))
            {
            }
        });
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(1, refunded);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal([EventTypes.MessagePrefix + "user", EventTypes.ToolCall, EventTypes.ToolResult, EventTypes.Error], events.Select(e => e.EventType));
        Assert.Equal("refunded 42", events.OfType<ToolResultEvent>().Single().Result);
        Assert.Equal("connection reset", events.OfType<ErrorEvent>().Single().Message);

        static async IAsyncEnumerable<ChatResponseUpdate> Stream(bool secondRound)
        {
            await Task.Yield();
            if (secondRound)
            {
                throw new HttpRequestException("connection reset");
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["id"] = "42" })]) { MessageId = "m1" };
        }
    }

    [Fact]
    public async Task A_stream_cancelled_midway_records_the_text_received_then_the_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var inner = new FakeChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => Stream(ct) };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        });
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["hi", "Hello "], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.True(Assert.IsType<ErrorEvent>(events[^1]).IsCancellation);

        static async IAsyncEnumerable<ChatResponseUpdate> Stream([EnumeratorCancellation] CancellationToken ct)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Hello ");
            await Task.Delay(Timeout.Infinite, ct);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "world");
        }
    }
}
