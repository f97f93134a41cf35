using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

/// <summary>What <c>UseDreaming()</c> records when the bytes come from an OpenAI-compatible endpoint through the OpenAI
/// client and Microsoft.Extensions.AI.OpenAI, in the pipeline tracing.md shows (outside <c>UseFunctionInvocation()</c>,
/// and inside it): the chat completion JSON and SSE streams OpenAI sends, as canned replies of a loopback server.</summary>
public partial class OpenAIWireTests
{
    private static readonly TimeSpan Bound = WireHost.Bound;

    // Micro-units: 10 an input token, 5 a cached one, 100 an output token, for model gpt-4o-2024-08-06 only.
    private static long Price(ModelCallUsage call) => call.ModelId == "gpt-4o-2024-08-06"
        ? ((call.InputTokens - call.CachedInputTokens) * 10) + (call.CachedInputTokens * 5) + (call.OutputTokens * 100)
        : -1;

    public static TheoryData<bool, bool> Orders => WireHost.Orders;

    private static AIFunction LookupOrder => WireHost.LookupOrder;

    private static TracingHost Host(OpenAIWireServer server, bool dreamingOutside = true, int? maxRetries = null, Action<DreamingOptions>? options = null) =>
        WireHost.Create(server.ChatClient(maxRetries: maxRetries), dreamingOutside, options ?? (o => o.CostOf = Price));

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, string question, ChatOptions? options = null) =>
        WireHost.AskAsync(host, streaming, question, options);

    [Fact]
    public async Task A_completion_records_its_text_model_usage_cached_tokens_finish_reason_cost_and_the_span_tags()
    {
        using var spans = new TelemetryTests.SessionSpans();
        await using var server = new OpenAIWireServer().Completion(new { role = "assistant", content = "Hello there" }, usage: Usage(100, 20, cached: 60));
        await using var host = Host(server);
        string id;
        await using (var session = host.Sessions.StartSession("agent", "greet"))
        {
            id = session.Id;
            Assert.Equal("Hello there", (await AskAsync(host, streaming: false, "hi")).Text);
            await session.CompleteAsync();
        }

        var events = await host.EventsAsync(id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hello there", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.Equal("gpt-4o-2024-08-06", response.ModelId);
        Assert.Equal("chatcmpl-0", response.ResponseId);
        Assert.Equal("stop", response.FinishReason);
        Assert.False(response.Streaming);
        Assert.Equal((100, 20, 60, 1), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((40 * 10) + (60 * 5) + (20 * 100), response.Usage.CostMinorUnits);
        var record = (await host.Store.GetSessionAsync(id))!;
        Assert.Equal(response.Usage, record.Usage);
        Assert.Equal(120, record.Usage.TotalTokens);

        var span = Assert.Single(spans.Stopped, a => (string?)a.GetTagItem("gen_ai.conversation.id") == id);

        Assert.Equal("openai", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("gpt-4o", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(server.Port, span.GetTagItem("server.port"));
        Assert.Equal(100L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(20L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(60L, span.GetTagItem("gen_ai.usage.cache_read.input_tokens"));
        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", path);
        Assert.Equal("gpt-4o", body.GetProperty("model").GetString());
    }

    [Fact]
    public async Task A_stream_with_usage_in_its_last_chunk_records_that_usage_once()
    {
        await using var server = new OpenAIWireServer().Stream(
        [
            Chunk(new { role = "assistant", content = "" }),
            Chunk(new { content = "Hel" }),
            Chunk(new { content = "lo" }),
            Chunk(finishReason: "stop"),
            Chunk(usage: Usage(100, 20, cached: 60), noChoices: true),
        ]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hello", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.True(response.Streaming);
        Assert.Equal(("gpt-4o-2024-08-06", "chatcmpl-s", "stop"), (response.ModelId, response.ResponseId, response.FinishReason));
        Assert.Equal((100, 20, 60, 2700L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.CostMinorUnits));
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);

        // The OpenAI client asks for the usage chunk itself.
        var body = Assert.Single(server.Requests).Body;
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task A_stream_without_usage_records_zero_tokens_and_one_model_call_as_documented()
    {
        await using var server = new OpenAIWireServer().Stream([Chunk(new { role = "assistant", content = "Hel" }), Chunk(new { content = "lo" }), Chunk(finishReason: "stop")]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal("stop", response.FinishReason);
        Assert.Equal(new SessionUsage { ModelCalls = 1 }, response.Usage);
        Assert.Equal(new SessionUsage { ModelCalls = 1 }, (await host.Store.GetSessionAsync(session.Id))!.Usage);
    }

    [Fact]
    public async Task A_stream_repeating_its_running_usage_in_every_chunk_is_summed_as_tracing_md_warns()
    {
        // Not OpenAI's format (usage once, in the last chunk) but some compatible servers' (vLLM's continuous_usage_stats).
        await using var server = new OpenAIWireServer().Stream(
            [Chunk(new { role = "assistant", content = "Hel" }, usage: Usage(10, 1)), Chunk(new { content = "lo" }, usage: Usage(10, 2)), Chunk(finishReason: "stop", usage: Usage(10, 3))]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal((30L, 6L), (response.Usage!.InputTokens, response.Usage.OutputTokens));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_round_records_each_call_its_arguments_and_result_once_and_the_errors_of_a_throwing_tool(bool dreamingOutside, bool streaming)
    {
        await using var server = new OpenAIWireServer();
        if (streaming)
        {
            // Two parallel calls, the second's arguments split over two chunks, as OpenAI streams them.
            server.Stream(
            [
                Chunk(new { role = "assistant", tool_calls = new object[] { ToolCallDelta(0, "call_1", "{\"orderId\":\"42\"}"), ToolCallDelta(1, "call_2", "") } }),
                Chunk(new { tool_calls = new[] { new { index = 1, function = new { arguments = "{\"orderId\":" } } } }),
                Chunk(new { tool_calls = new[] { new { index = 1, function = new { arguments = "\"7\"}" } } } }),
                Chunk(finishReason: "tool_calls"),
                Chunk(usage: Usage(50, 10), noChoices: true),
            ]).Stream([Chunk(new { role = "assistant", content = "done" }), Chunk(finishReason: "stop"), Chunk(usage: Usage(80, 5, cached: 40), noChoices: true)]);
        }
        else
        {
            server.Completion(
                new { role = "assistant", content = (string?)null, tool_calls = new[] { ToolCall("call_1", "{\"orderId\":\"42\"}"), ToolCall("call_2", "{\"orderId\":\"7\"}") } },
                "tool_calls",
                Usage(50, 10)).Completion(new { role = "assistant", content = "done" }, usage: Usage(80, 5, cached: 40));
        }

        await using var host = Host(server, dreamingOutside);
        await using var session = host.Sessions.StartSession("agent", "check orders");

        Assert.Equal("done", (await AskAsync(host, streaming, "check 42 and 7", new ChatOptions { Tools = [LookupOrder] })).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var calls = events.OfType<ToolCallEvent>().ToList();
        Assert.Equal([("call_1", "lookup_order", "{\"orderId\":\"42\"}"), ("call_2", "lookup_order", "{\"orderId\":\"7\"}")], calls.Select(c => (c.CallId, c.ToolName, c.Arguments)));
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal([("call_1", "lookup_order", false), ("call_2", "lookup_order", true)], results.Select(r => (r.CallId, r.ToolName, r.IsError)));
        Assert.Equal("shipped", results[0].Result);
        Assert.Equal((nameof(KeyNotFoundException), "order 7 not found"), (results[1].ErrorType, results[1].ErrorMessage));
        Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal("done", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);

        // Outside: one model.response for the turn with both rounds' usage; inside: one a round, each its own.
        var responses = WireHost.AssertTwoRoundResponses(events, dreamingOutside);

        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((130L, 15L, 40L, 145L), (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.CachedInputTokens, record.Usage.TotalTokens));
        Assert.Equal((50 * 10) + (10 * 100) + (40 * 10) + (40 * 5) + (5 * 100), record.Usage.CostMinorUnits);
        Assert.Equal(responses.Count, record.Usage.ModelCalls);

        // The second request carried the tool results back, the failure as the function-invoking client words it.
        var second = server.Requests.ElementAt(1).Body.GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "tool").ToList();
        Assert.Equal(["call_1", "call_2"], second.Select(m => m.GetProperty("tool_call_id").GetString()));
    }

    [Fact]
    public async Task A_call_outside_any_session_over_the_wire_is_a_completed_one_call_session_with_its_usage()
    {
        await using var server = new OpenAIWireServer().Stream([Chunk(new { role = "assistant", content = "Hi" }), Chunk(finishReason: "stop"), Chunk(usage: Usage(12, 3), noChoices: true)]);
        await using var host = Host(server);

        Assert.Equal("Hi", (await AskAsync(host, streaming: true, "hello?")).Text);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None).WaitAsync(Bound);

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal((SessionStatus.Completed, "hello?"), (session.Status, session.Task));
        Assert.Equal((12L, 3L, 1L), (session.Usage.InputTokens, session.Usage.OutputTokens, session.Usage.ModelCalls));
    }

    private static object ToolCall(string id, string arguments) => new { id, type = "function", function = new { name = "lookup_order", arguments } };

    private static object ToolCallDelta(int index, string id, string arguments) => new { index, id, type = "function", function = new { name = "lookup_order", arguments } };
}
