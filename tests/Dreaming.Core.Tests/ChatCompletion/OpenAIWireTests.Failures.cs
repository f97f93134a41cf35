using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

// Errors, retries, cancellation and broken streams over the wire.
public partial class OpenAIWireTests
{
    [Fact]
    public async Task A_429_the_OpenAI_client_retries_is_one_successful_call_with_the_usage_of_the_reply()
    {
        await using var server = new OpenAIWireServer()
            .Json(429, new { error = new { message = "Rate limit reached", type = "requests", code = "rate_limit_exceeded" } }, ("retry-after-ms", "10"), ("retry-after", "0"))
            .Completion(new { role = "assistant", content = "after retry" }, usage: Usage(10, 2));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "retry");

        Assert.Equal("after retry", (await AskAsync(host, streaming: false, "hi")).Text);
        await session.CompleteAsync();

        // The client's own retry policy sent the request twice; the middleware saw one call, and records no error for it.
        Assert.Equal(2, server.Requests.Count);
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal((10L, 2L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.ModelCalls));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_500_after_the_clients_retries_is_an_error_event_and_no_model_response(bool streaming)
    {
        await using var server = new OpenAIWireServer();
        for (var i = 0; i < 3; i++)
        {
            server.Json(500, new { error = new { message = "The server had an error", type = "server_error" } }, ("retry-after-ms", "10"));
        }

        await using var host = Host(server, maxRetries: 2);
        await using var session = host.Sessions.StartSession("agent", "fail");

        var thrown = await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(host, streaming, "hi"));
        Assert.Equal(500, thrown.Status);
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(3, server.Requests.Count);
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ModelResponseEvent>());
        var error = Assert.Single(events.OfType<ErrorEvent>());
        Assert.Equal((typeof(ClientResultException).FullName, false, streaming ? "chat.stream" : "chat"), (error.ErrorType, error.IsCancellation, error.Operation));
        Assert.Contains("The server had an error", error.Message, StringComparison.Ordinal);
        Assert.Equal(new SessionUsage(), (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }

    [Fact]
    public async Task A_400_with_an_OpenAI_error_body_is_recorded_with_the_errors_code_and_message_and_is_not_retried()
    {
        await using var server = new OpenAIWireServer().Json(400, new
        {
            error = new { message = "Invalid 'messages[0].content': string too long.", type = "invalid_request_error", param = "messages[0].content", code = "string_above_max_length" },
        });
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "fail");

        await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(host, streaming: false, "hi"));
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Single(server.Requests);
        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Contains("string_above_max_length", error.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid 'messages[0].content': string too long.", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsCancellation);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_cancelled_midway_records_what_was_delivered_and_a_cancellation(bool inSession)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OpenAIWireServer().Stream(
            [Chunk(new { role = "assistant", content = "Hel" }), Chunk(new { content = "lo" }), Chunk(finishReason: "stop"), Chunk(usage: Usage(10, 2), noChoices: true)],
            gate: gate.Task,
            gateAt: 1);
        await using var host = Host(server);
        var session = inSession ? host.Sessions.StartSession("agent", "cancel") : null;
        await WireHost.CancelOnFirstTextAsync(host, gate);
        await WireHost.AssertStreamCancelledAfterHelAsync(host, session);
    }

    [Fact]
    public async Task A_stream_cut_off_without_DONE_ends_normally_for_the_client_and_records_no_finish_reason()
    {
        await using var server = new OpenAIWireServer().Stream([Chunk(new { role = "assistant", content = "Hel" }), Chunk(new { content = "lo" })], done: false);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cut");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        // The OpenAI client reports no error for it; what tells it from a whole reply is the missing finish reason.
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        Assert.Equal("Hello", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Null(response.FinishReason);
        Assert.Equal(0, response.Usage!.TotalTokens);
    }

    [Fact]
    public async Task A_malformed_chunk_fails_the_stream_and_records_what_came_before_and_the_parse_error()
    {
        await using var server = new OpenAIWireServer().Stream(
            [Chunk(new { role = "assistant", content = "Hel" }), "{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":", Chunk(new { content = "lo" })]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "malformed");

        var thrown = await Assert.ThrowsAnyAsync<JsonException>(() => AskAsync(host, streaming: true, "hi"));
        await session.CompleteAsync(SessionStatus.Failed);

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "error"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var error = (ErrorEvent)events[2];
        Assert.Equal((thrown.GetType().FullName, false, "chat.stream"), (error.ErrorType, error.IsCancellation, error.Operation));
        Assert.Empty(events.OfType<ModelResponseEvent>());
    }

    [Fact]
    public async Task A_content_filter_finish_reason_is_recorded_with_the_text_that_came()
    {
        await using var server = new OpenAIWireServer().Completion(new { role = "assistant", content = "Here is how to" }, "content_filter", Usage(30, 4));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "filtered");

        var reply = await AskAsync(host, streaming: false, "hi");
        await session.CompleteAsync();

        Assert.Equal(ChatFinishReason.ContentFilter, reply.FinishReason);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal("Here is how to", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal(("content_filter", 34L), (response.FinishReason, response.Usage!.TotalTokens));
    }

    [Fact]
    public async Task A_stream_the_consumer_stops_reading_records_what_it_received_without_waiting_for_the_rest()
    {
        // The server holds the rest of the stream until the test ends: stopping must not wait for it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OpenAIWireServer().Stream(
            [Chunk(new { role = "assistant", content = "Hel" }), Chunk(new { content = "lo" }), Chunk(finishReason: "stop"), Chunk(usage: Usage(10, 2), noChoices: true)],
            gate: gate.Task,
            gateAt: 1);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "stop early");

        await ReadFirstAsync().WaitAsync(Bound);
        gate.TrySetResult();
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.Equal((null, 0L, 1L), (response.FinishReason, response.Usage!.TotalTokens, response.Usage.ModelCalls));

        async Task ReadFirstAsync()
        {
            await foreach (var update in host.Chat.GetStreamingResponseAsync("hi"))
            {
                Assert.Equal("Hel", update.Text);
                break;
            }
        }
    }
}
