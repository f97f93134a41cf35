using System.ClientModel;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// Errors and cancellation over the Responses API: error statuses with OpenAI's error body, a stream that fails
// (response.failed, an error event) and one cancelled midway.
public partial class ResponsesWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_400_with_an_OpenAI_error_body_is_an_error_event_with_its_code_and_message_not_retried(bool streaming)
    {
        await using var server = new ResponsesWireServer().Json(400, new
        {
            error = new { message = "Previous response with id 'resp_x' not found.", type = "invalid_request_error", param = "previous_response_id", code = "previous_response_not_found" },
        });
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "fail");

        var thrown = await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(host, streaming, "hi", new ChatOptions { ConversationId = "resp_x" }));
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(400, thrown.Status);
        Assert.Single(server.Requests);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "error"], events.Select(e => e.EventType));
        var error = (ErrorEvent)events[1];
        Assert.Equal((typeof(ClientResultException).FullName, false, streaming ? "chat.stream" : "chat"), (error.ErrorType, error.IsCancellation, error.Operation));
        Assert.Contains("previous_response_not_found", error.Message, StringComparison.Ordinal);
        Assert.Contains("Previous response with id 'resp_x' not found.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_500_after_the_clients_retries_is_one_error_event_and_no_model_response(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        for (var i = 0; i < 3; i++)
        {
            server.Json(500, new { error = new { message = "The server had an error while processing your request.", type = "server_error", param = (string?)null, code = (string?)null } }, ("retry-after-ms", "10"));
        }

        await using var host = WireHost.Create(server.ChatClient(maxRetries: 2), dreamingOutside: true, o => o.CostOf = Price);
        await using var session = host.Sessions.StartSession("agent", "fail");

        Assert.Equal(500, (await Assert.ThrowsAsync<ClientResultException>(() => AskAsync(host, streaming, "hi"))).Status);
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(3, server.Requests.Count);
        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ModelResponseEvent>());
        Assert.Contains("The server had an error", Assert.Single(events.OfType<ErrorEvent>()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_that_ends_in_response_failed_records_the_text_that_came_and_no_finish_reason_as_tracing_md_warns()
    {
        // Microsoft.Extensions.AI.OpenAI 10.11 passes response.failed on as an update with no content: the caller sees a
        // stream that just ends, without a finish reason, and so does the middleware.
        var events = Events("resp_1", [Message("msg_1", "Hello")], null, textDeltas: ["Hel"]);
        events.RemoveRange(4, events.Count - 4);
        events.Add(new { type = "response.failed", response = ResponseObject("resp_1", [], null, "failed", error: new { code = "server_error", message = "The model failed to finish." }) });
        await using var server = new ResponsesWireServer().Stream(events);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "fail midway");

        var reply = await AskAsync(host, streaming: true, "hi");
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(("Hel", null), (reply.Text, reply.FinishReason));
        var recorded = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], recorded.Select(e => e.EventType));
        Assert.Null(((ModelResponseEvent)recorded[2]).FinishReason);
    }

    [Fact]
    public async Task An_error_event_mid_stream_is_recorded_as_an_error_after_the_text_that_came()
    {
        // The error reaches the caller as an ErrorContent in the response, not as an exception.
        var events = Events("resp_1", [Message("msg_1", "Hello")], null, textDeltas: ["Hel"]);
        events.RemoveRange(4, events.Count - 4);
        events.Add(new { type = "error", code = "rate_limit_exceeded", message = "Rate limit reached for gpt-5-mini.", param = (string?)null });
        await using var server = new ResponsesWireServer().Stream(events);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "fail midway");

        var reply = await AskAsync(host, streaming: true, "hi");
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal("Hel", reply.Text);
        Assert.Contains(reply.Messages.SelectMany(m => m.Contents), c => c is ErrorContent { ErrorCode: "rate_limit_exceeded" });
        var recorded = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "error", "model.response"], recorded.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)recorded[1]).Text);
        var error = (ErrorEvent)recorded[2];
        Assert.Equal(
            (typeof(ErrorContent).FullName, "rate_limit_exceeded: Rate limit reached for gpt-5-mini.", false, "chat.stream"),
            (error.ErrorType, error.Message, error.IsCancellation, error.Operation));
    }

    [Fact]
    public async Task A_response_with_an_error_is_recorded_as_an_error_after_its_text()
    {
        await using var server = new ResponsesWireServer().Response("resp_1", [Message("msg_1", "Partial")], Usage(10, 1), status: "failed", error: new { code = "server_error", message = "The model failed to finish." });
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "failed");

        Assert.Equal("Partial", (await AskAsync(host, streaming: false, "hi")).Text);
        await session.CompleteAsync(SessionStatus.Failed);

        var recorded = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "error", "model.response"], recorded.Select(e => e.EventType));
        var error = (ErrorEvent)recorded[2];
        Assert.Equal(("server_error: The model failed to finish.", "chat"), (error.Message, error.Operation));
    }

    [Fact]
    public async Task A_failed_response_with_no_output_records_no_error_as_tracing_md_warns()
    {
        // Microsoft.Extensions.AI.OpenAI 10.11 adds the error to the response's last message, as an ErrorContent: with no
        // output there is none, and the error is only in ChatResponse.AdditionalProperties["Error"], an OpenAI type.
        await using var server = new ResponsesWireServer().Response("resp_1", [], Usage(10, 0), status: "failed", error: new { code = "server_error", message = "The model failed to finish." });
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "failed");

        var reply = await AskAsync(host, streaming: false, "hi");
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Empty(reply.Messages);
        Assert.NotNull(reply.AdditionalProperties?["Error"]);
        var recorded = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "model.response"], recorded.Select(e => e.EventType));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_cancelled_midway_records_what_was_delivered_and_a_cancellation(bool inSession)
    {
        // Held after the first text delta (created, item added, part added, "Hel"), until the test ends.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new ResponsesWireServer().Stream(Events("resp_1", [Message("msg_1", "Hello")], Usage(10, 2), textDeltas: ["Hel", "lo"]), gate.Task, gateAt: 4);
        await using var host = Host(server);
        var session = inSession ? host.Sessions.StartSession("agent", "cancel") : null;
        await WireHost.CancelOnFirstTextAsync(host, gate);
        await WireHost.AssertStreamCancelledAfterHelAsync(host, session);
    }
}
