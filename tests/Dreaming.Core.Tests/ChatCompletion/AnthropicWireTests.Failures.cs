using Anthropic.Exceptions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.Tests.AnthropicWireServer;

namespace Dreaming.Tests;

// Errors, retries, stop reasons, refusals and cancellation over Anthropic's wire.
public partial class AnthropicWireTests
{
    public static TheoryData<int, string, string, Type, bool> Overloads => new()
    {
        { 529, "overloaded_error", "Overloaded", typeof(AnthropicOverloadedException), false },
        { 529, "overloaded_error", "Overloaded", typeof(AnthropicOverloadedException), true },
        { 429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", typeof(AnthropicRateLimitException), false },
        { 429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", typeof(AnthropicRateLimitException), true },
    };

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task An_overloaded_or_rate_limited_reply_after_the_SDKs_retries_fails_the_session_with_the_error_recorded(int status, string type, string message, Type thrownType, bool streaming)
    {
        await using var server = new AnthropicWireServer().Error(status, type, message, ("retry-after-ms", "10")).Error(status, type, message, ("retry-after-ms", "10"));
        await using var host = Host(server, maxRetries: 1);
        await using var session = host.Sessions.StartSession("agent", "fail");

        var thrown = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => AskAsync(host, streaming, "hi"));
        Assert.IsType(thrownType, thrown);
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(2, server.Requests.Count);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "error"], events.Select(e => e.EventType));
        var error = (ErrorEvent)events[1];
        Assert.Equal((thrownType.FullName, false, streaming ? "chat.stream" : "chat"), (error.ErrorType, error.IsCancellation, error.Operation));

        // The SDK's message is the status and the body Anthropic sent: its error type and message.
        Assert.Contains(type, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((SessionStatus.Failed, new SessionUsage()), (record.Status, record.Usage));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_overloaded_call_outside_any_session_ends_its_one_call_session_failed_with_the_error(bool streaming)
    {
        await using var server = new AnthropicWireServer().Error(529, "overloaded_error", "Overloaded");
        await using var host = Host(server);

        await Assert.ThrowsAsync<AnthropicOverloadedException>(() => AskAsync(host, streaming, "hello?"));
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None).WaitAsync(Bound);

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal((SessionStatus.Failed, "hello?"), (session.Status, session.Task));
        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Equal(typeof(AnthropicOverloadedException).FullName, error.ErrorType);
        Assert.Contains("\"overloaded_error\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_529_the_SDK_retries_is_one_successful_call_with_the_usage_of_the_reply()
    {
        await using var server = new AnthropicWireServer()
            .Error(529, "overloaded_error", "Overloaded", ("retry-after-ms", "10"))
            .Message([Text("after retry")], usage: Usage(10, 2));
        await using var host = Host(server, maxRetries: 2);
        await using var session = host.Sessions.StartSession("agent", "retry");

        Assert.Equal("after retry", (await AskAsync(host, streaming: false, "hi")).Text);
        await session.CompleteAsync();

        Assert.Equal(2, server.Requests.Count);
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal((10L, 2L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.ModelCalls));
    }

    [Fact]
    public async Task An_overloaded_error_event_midway_through_a_stream_records_what_came_before_and_the_error()
    {
        // Anthropic may answer 200 and then send an error event in the stream: the SDK throws it, unretried.
        await using var server = new AnthropicWireServer().Stream(
        [
            MessageStart(Usage(30, 1)),
            BlockStart(0, Text("")),
            TextDelta(0, "Hel"),
            new { type = "error", error = new { type = "overloaded_error", message = "Overloaded" } },
        ]);
        await using var host = Host(server, maxRetries: 2);
        await using var session = host.Sessions.StartSession("agent", "fail");

        await Assert.ThrowsAsync<AnthropicSseException>(() => AskAsync(host, streaming: true, "hi"));
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Single(server.Requests);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "error"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var error = (ErrorEvent)events[2];
        Assert.Equal((typeof(AnthropicSseException).FullName, false, "chat.stream"), (error.ErrorType, error.IsCancellation, error.Operation));
        Assert.Contains("overloaded_error", error.Message, StringComparison.Ordinal);

        // The SDK gives a stream's usage only once it ends, so a stream that fails records none.
        Assert.Equal(new SessionUsage(), (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_max_tokens_stop_is_recorded_as_the_length_finish_reason_that_mining_counts(bool streaming)
    {
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(TextStream(Usage(30, 1), new { output_tokens = 1024 }, "max_tokens", "The answer is"));
        }
        else
        {
            server.Message([Text("The answer is")], "max_tokens", Usage(30, 1024));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "long");
        var reply = await AskAsync(host, streaming, "hi", new ChatOptions { MaxOutputTokens = 1024 });
        await session.CompleteAsync();

        // The SDK maps stop_reason max_tokens to ChatFinishReason.Length ("length"), as OpenAI's finish_reason length is.
        Assert.Equal(ChatFinishReason.Length, reply.FinishReason);
        Assert.Equal(1024, Assert.Single(server.Requests).Body.GetProperty("max_tokens").GetInt32());
        var events = await host.EventsAsync(session.Id);
        Assert.Equal("The answer is", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal(("length", 1054L), (response.FinishReason, response.Usage!.TotalTokens));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refusal_is_recorded_with_the_text_that_came_and_the_content_filter_finish_reason(bool streaming)
    {
        // Anthropic's refusal is a stop reason; what the model wrote before it stays the message's text.
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(TextStream(Usage(30, 1), new { output_tokens = 4 }, "refusal", "I can't ", "help with that."));
        }
        else
        {
            server.Message([Text("I can't help with that.")], "refusal", Usage(30, 4));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "refused");
        var reply = await AskAsync(host, streaming, "hi");
        await session.CompleteAsync();

        Assert.Equal(ChatFinishReason.ContentFilter, reply.FinishReason);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("I can't help with that.", ((MessageEvent)events[1]).Text);
        Assert.Equal(("content_filter", 34L), (((ModelResponseEvent)events[2]).FinishReason, ((ModelResponseEvent)events[2]).Usage!.TotalTokens));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_cancelled_midway_records_what_was_delivered_and_a_cancellation(bool inSession)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Held after the first text delta (event 3): message_start and the block's start came before it.
        await using var server = new AnthropicWireServer().Stream(TextStream(Usage(10, 1), new { output_tokens = 2 }, "end_turn", "Hel", "lo"), gate: gate.Task, gateAt: 3);
        await using var host = Host(server);
        var session = inSession ? host.Sessions.StartSession("agent", "cancel") : null;
        await WireHost.CancelOnFirstTextAsync(host, gate);
        await WireHost.AssertStreamCancelledAfterHelAsync(host, session);
    }

    [Fact]
    public async Task A_stream_the_consumer_stops_reading_records_what_it_received_without_waiting_for_the_rest()
    {
        // The server holds the rest of the stream until the test ends: stopping must not wait for it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new AnthropicWireServer().Stream(TextStream(Usage(10, 1), new { output_tokens = 2 }, "end_turn", "Hel", "lo"), gate: gate.Task, gateAt: 3);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "stop early");

        await ReadFirstTextAsync().WaitAsync(Bound);
        gate.TrySetResult();
        await session.CompleteAsync();

        // The SDK gives a stream's usage only after its last event, so none was delivered.
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.Equal((null, 0L, 1L), (response.FinishReason, response.Usage!.TotalTokens, response.Usage.ModelCalls));

        async Task ReadFirstTextAsync()
        {
            await foreach (var update in host.Chat.GetStreamingResponseAsync("hi"))
            {
                if (update.Text.Length > 0)
                {
                    Assert.Equal("Hel", update.Text);
                    break;
                }
            }
        }
    }

    [Fact]
    public async Task A_stream_cut_off_before_message_delta_ends_normally_and_records_the_input_usage_and_no_finish_reason()
    {
        await using var server = new AnthropicWireServer().Stream([MessageStart(Usage(40, 1, cacheRead: 60)), BlockStart(0, Text("")), TextDelta(0, "Hel")]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cut");

        Assert.Equal("Hel", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        // The SDK reports no error for it; what tells it from a whole reply is the missing finish reason. The usage is
        // message_start's: the input, and the first output count Anthropic sends there.
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Null(response.FinishReason);
        Assert.Equal((100L, 1L, 60L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens));
    }
}
