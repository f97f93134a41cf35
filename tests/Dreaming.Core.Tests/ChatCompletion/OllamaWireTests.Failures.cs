using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp.Models.Exceptions;
using static Dreaming.Tests.OllamaWireServer;

namespace Dreaming.Tests;

// Errors, broken streams and cancellation over the wire: how OllamaSharp 5.5.2 reports each, and what is recorded.
public partial class OllamaWireTests
{
    [Theory]
    [InlineData(404, "model \"llama3.2\" not found, try pulling it first", false)]
    [InlineData(404, "model \"llama3.2\" not found, try pulling it first", true)]
    [InlineData(500, "llama runner process has terminated: exit status 2", false)]
    [InlineData(500, "llama runner process has terminated: exit status 2", true)]
    public async Task An_error_status_ends_a_one_call_session_failed_with_the_status_in_its_error(int status, string error, bool streaming)
    {
        await using var server = new OllamaWireServer().Error(status, error);
        await using var host = Host(server);

        // OllamaSharp reads Ollama's {"error": ...} body only for a 400: other statuses throw HttpRequestException with
        // the status alone (tracing.md, "Ollama").
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => AskAsync(host, streaming, "hi"));
        Assert.Equal(status, (int?)thrown.StatusCode);

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Failed, session.Status);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "error"], events.Select(e => e.EventType));
        var recorded = (ErrorEvent)events[1];
        Assert.Equal((typeof(HttpRequestException).FullName, false, streaming ? "chat.stream" : "chat"), (recorded.ErrorType, recorded.IsCancellation, recorded.Operation));
        Assert.Equal(thrown.Message, recorded.Message);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), recorded.Message, StringComparison.Ordinal);
        Assert.Equal(new SessionUsage(), session.Usage);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_model_that_does_not_support_tools_is_recorded_with_ollamas_own_message(bool streaming)
    {
        await using var server = new OllamaWireServer().Error(400, "registry.ollama.ai/library/gemma:2b does not support tools");
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "tools");

        await Assert.ThrowsAsync<ModelDoesNotSupportToolsException>(() => AskAsync(host, streaming, "hi", new ChatOptions { Tools = [LookupOrder] }));
        await session.CompleteAsync(SessionStatus.Failed);

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Equal((typeof(ModelDoesNotSupportToolsException).FullName, "registry.ollama.ai/library/gemma:2b does not support tools"), (error.ErrorType, error.Message));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_cut_mid_line_or_with_a_malformed_line_fails_recording_what_came_before_and_the_parse_error(bool cut)
    {
        await using var server = new OllamaWireServer();
        if (cut)
        {
            // The server died in the middle of a line: the connection is dropped.
            server.Stream([Part(Text("Hel")), "{\"model\":\"llama3.2\",\"message\":{\"role\":\"assis"], cut: true);
        }
        else
        {
            server.Stream([Part(Text("Hel")), "{\"model\":\"llama3.2\",\"message\":{\"role\":", Part(Text("lo")), Done(promptEvalCount: 10, evalCount: 2)]);
        }

        await using var host = Host(server);

        var thrown = await Assert.ThrowsAnyAsync<JsonException>(() => AskAsync(host, streaming: true, "hi"));

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Failed, session.Status);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "error"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        var error = (ErrorEvent)events[2];
        Assert.Equal((thrown.GetType().FullName, false, "chat.stream", thrown.Message), (error.ErrorType, error.IsCancellation, error.Operation, error.Message));
    }

    [Fact]
    public async Task A_stream_that_ends_without_its_done_line_is_a_response_with_no_finish_reason_and_no_usage()
    {
        await using var server = new OllamaWireServer().Stream([Part(Text("Hel")), Part(Text("lo"))]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cut");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Empty(events.OfType<ErrorEvent>());
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal((null, 0L, 1L), (response.FinishReason, response.Usage!.TotalTokens, response.Usage.ModelCalls));
    }

    [Fact]
    public async Task An_error_line_in_a_stream_is_not_reported_by_OllamaSharp_so_the_reply_is_recorded_cut_without_a_finish_reason()
    {
        // Ollama reports a failure after the stream started (the runner crashed) as a line {"error": ...}; OllamaSharp
        // 5.5.2 reads it as an empty update of role "unknown" and ends the stream normally (tracing.md, "Ollama").
        await using var server = new OllamaWireServer().Stream([Part(Text("Hel")), "{\"error\":\"an error was encountered while running the model: unexpected EOF\"}"]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "crash");

        Assert.Equal("Hel", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hel", ((MessageEvent)events[1]).Text);
        Assert.Null(((ModelResponseEvent)events[2]).FinishReason);
    }

    [Fact]
    public async Task A_reply_cut_at_num_predict_records_done_reason_length()
    {
        await using var server = new OllamaWireServer().Reply(Text("Here is how to"), "length", promptEvalCount: 30, evalCount: 4);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "long");

        Assert.Equal(ChatFinishReason.Length, (await AskAsync(host, streaming: false, "hi")).FinishReason);
        await session.CompleteAsync();

        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal(("length", 34L), (response.FinishReason, response.Usage!.TotalTokens));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_cancelled_midway_which_OllamaSharp_ends_quietly_records_what_was_delivered_and_a_cancellation(bool inSession)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OllamaWireServer().Stream([Part(Text("Hel")), Part(Text("lo")), Done(promptEvalCount: 10, evalCount: 2)], gate: gate.Task, gateAt: 1);
        await using var host = Host(server);
        var session = inSession ? host.Sessions.StartSession("agent", "cancel") : null;
        using var cancellation = new CancellationTokenSource();
        var received = new List<string>();

        // OllamaSharp 5.5.2 checks the token between lines and then ends the stream without throwing.
        await foreach (var update in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cancellation.Token).WithCancellation(cancellation.Token))
        {
            received.Add(update.Text);
            cancellation.Cancel();
        }

        gate.TrySetResult();
        Assert.Equal(["Hel"], received);
        var error = await WireHost.AssertStreamCancelledAfterHelAsync(host, session);
        Assert.Equal(typeof(OperationCanceledException).FullName, error.ErrorType);
    }

    [Fact]
    public async Task A_stream_whose_token_is_cancelled_after_its_done_line_is_a_whole_response()
    {
        await using var server = new OllamaWireServer().Stream([Part(Text("Hello")), Done(promptEvalCount: 10, evalCount: 2)]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "late cancel");
        using var cancellation = new CancellationTokenSource();

        await foreach (var update in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cancellation.Token))
        {
            if (update.FinishReason is not null)
            {
                cancellation.Cancel();
            }
        }

        await session.CompleteAsync();
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal(("stop", 12L), (((ModelResponseEvent)events[2]).FinishReason, ((ModelResponseEvent)events[2]).Usage!.TotalTokens));
    }

    [Fact]
    public async Task A_whole_reply_cancelled_while_ollama_works_on_it_is_recorded_as_a_cancellation()
    {
        // The reply (one JSON line) is held until the test ends: HttpClient's wait for it is cancelled and throws.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new OllamaWireServer().Stream([Done(Text("late"), promptEvalCount: 10, evalCount: 2)], gate: gate.Task);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cancel");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Chat.GetResponseAsync("hi", cancellationToken: cancellation.Token).WaitAsync(Bound));
        gate.TrySetResult();
        await session.CompleteAsync(SessionStatus.Abandoned);

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "error"], events.Select(e => e.EventType));
        Assert.Equal((true, "chat"), (((ErrorEvent)events[1]).IsCancellation, ((ErrorEvent)events[1]).Operation));
    }
}
