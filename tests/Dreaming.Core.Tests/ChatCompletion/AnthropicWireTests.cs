using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static Dreaming.Tests.AnthropicWireServer;

namespace Dreaming.Tests;

/// <summary>What <c>UseDreaming()</c> records when the bytes come from Anthropic's Messages API through the official
/// Anthropic SDK's <c>IChatClient</c> (<c>AnthropicClient.AsIChatClient()</c>), in the pipeline tracing.md shows (outside
/// <c>UseFunctionInvocation()</c>, and inside it): the message JSON and named SSE events Anthropic sends, as canned
/// replies of a loopback server.</summary>
public partial class AnthropicWireTests
{
    private static readonly TimeSpan Bound = WireHost.Bound;

    // Micro-units: 10 an input token, 1 a cached one, 100 an output token, for the snapshot the server answers with,
    // named by the provider the SDK's client gives, only.
    private static long Price(ModelCallUsage call) => call is { ProviderName: "anthropic", ModelId: Snapshot }
        ? ((call.InputTokens - call.CachedInputTokens) * 10) + call.CachedInputTokens + (call.OutputTokens * 100)
        : -1;

    public static TheoryData<bool, bool> Orders => WireHost.Orders;

    private static AIFunction LookupOrder => WireHost.LookupOrder;

    private static TracingHost Host(AnthropicWireServer server, bool dreamingOutside = true, int maxRetries = 0, Action<DreamingOptions>? options = null) =>
        WireHost.Create(server.ChatClient(maxRetries: maxRetries), dreamingOutside, options ?? (o => o.CostOf = Price));

    private static Task<ChatResponse> AskAsync(TracingHost host, bool streaming, string question, ChatOptions? options = null) =>
        WireHost.AskAsync(host, streaming, question, options);

    [Fact]
    public async Task A_message_records_its_text_model_usage_cached_tokens_stop_reason_cost_and_the_span_tags()
    {
        using var spans = new TelemetryTests.SessionSpans();

        // Anthropic counts the uncached input apart from the cache's reads: 40 + 60 read from the cache.
        await using var server = new AnthropicWireServer().Message([Text("Hello there")], usage: Usage(40, 20, cacheRead: 60));
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
        Assert.Equal(("hi", "Hello there"), (((MessageEvent)events[0]).Text, ((MessageEvent)events[1]).Text));
        var response = (ModelResponseEvent)events[2];
        Assert.Equal((Snapshot, "msg_0", "stop", false), (response.ModelId, response.ResponseId, response.FinishReason, response.Streaming));

        // The SDK reports the input as all of it (40 + 60), the cache's reads as the cached part: as OpenAI does.
        Assert.Equal((100, 20, 60, 1), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((40 * 10) + 60 + (20 * 100), response.Usage.CostMinorUnits);
        var record = (await host.Store.GetSessionAsync(id))!;
        Assert.Equal(response.Usage, record.Usage);

        var span = Assert.Single(spans.Stopped, a => (string?)a.GetTagItem("gen_ai.conversation.id") == id);
        Assert.Equal("anthropic", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("claude-sonnet-4-5", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(server.Port, span.GetTagItem("server.port"));
        Assert.Equal((100L, 20L, 60L), (span.GetTagItem("gen_ai.usage.input_tokens"), span.GetTagItem("gen_ai.usage.output_tokens"), span.GetTagItem("gen_ai.usage.cache_read.input_tokens")));

        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/messages", path);
        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
        Assert.False(body.TryGetProperty("system", out _));
        var sent = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal(("user", "hi"), (sent.GetProperty("role").GetString(), sent.GetProperty("content")[0].GetProperty("text").GetString()));
    }

    /// <summary>Anthropic splits a stream's usage: <c>message_start</c> has the input's (and a first output count),
    /// <c>message_delta</c> the output's, in the API of today with the input's again; recorded once, not summed.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_with_usage_split_between_message_start_and_message_delta_records_it_once(bool deltaRepeatsInput)
    {
        var deltaUsage = deltaRepeatsInput ? Usage(40, 20, cacheRead: 60) : (object)new { output_tokens = 20 };
        await using var server = new AnthropicWireServer().Stream(TextStream(Usage(40, 1, cacheRead: 60), deltaUsage, "end_turn", "Hel", "lo"));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        Assert.Equal("Hello", (await AskAsync(host, streaming: true, "hi")).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hello", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.True(response.Streaming);
        Assert.Equal((Snapshot, "msg_s", "stop"), (response.ModelId, response.ResponseId, response.FinishReason));
        Assert.Equal((100L, 20L, 60L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((40 * 10) + 60 + (20 * 100), response.Usage.CostMinorUnits);
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);
        Assert.True(Assert.Single(server.Requests).Body.GetProperty("stream").GetBoolean());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cache_write_is_counted_as_input_and_not_as_cached(bool streaming)
    {
        // The first request of a cached prefix writes it: 3,000 tokens written, 10 more not cached, nothing read.
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(TextStream(Usage(10, 1, cacheCreation: 3000), new { output_tokens = 5 }, "end_turn", "Hi"));
        }
        else
        {
            server.Message([Text("Hi")], usage: Usage(10, 5, cacheCreation: 3000));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");
        await AskAsync(host, streaming, "hi");
        await session.CompleteAsync();

        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal((3010L, 5L, 0L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens));
    }

    /// <summary>Anthropic bills a cache write above the input price (1.25 times it for five minutes), and the SDK reports
    /// the written tokens apart (<c>UsageDetails.AdditionalCounts["CacheCreationInputTokens"]</c>): <c>CostOf</c> is given
    /// them, so it can price them, in a call recorded (streamed or not, a tool turn's rounds summed) and in the usage the
    /// grader and orchestrator are given.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cache_write_is_given_to_CostOf_apart_from_the_input_it_is_counted_in(bool streaming)
    {
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(
            [
                MessageStart(Usage(10, 1, cacheCreation: 3000)),
                BlockStart(0, ToolUse("toolu_1", "lookup_order", new { })),
                JsonDelta(0, "{\"orderId\":\"42\"}"),
                BlockStop(0),
                MessageDelta("tool_use", new { output_tokens = 8 }),
                MessageStop(),
            ]).Stream(TextStream(Usage(20, 1, cacheRead: 3000, cacheCreation: 40), new { output_tokens = 5 }, "end_turn", "Shipped."));
        }
        else
        {
            server.Message([ToolUse("toolu_1", "lookup_order", new { orderId = "42" })], "tool_use", Usage(10, 8, cacheCreation: 3000))
                .Message([Text("Shipped.")], usage: Usage(20, 5, cacheRead: 3000, cacheCreation: 40));
        }

        server.Message([Text("Graded.")], usage: Usage(7, 2, cacheCreation: 100));
        var given = new System.Collections.Concurrent.ConcurrentQueue<ModelCallUsage>();

        // Micro-units: 10 an uncached input token, 12.5 a written one, 1 a read one, 100 an output token.
        await using var host = Host(server, options: o => o.CostOf = call =>
        {
            given.Enqueue(call);
            var uncached = call.InputTokens - call.CachedInputTokens - call.CacheWriteInputTokens;
            return (uncached * 10) + (call.CacheWriteInputTokens * 25 / 2) + call.CachedInputTokens + (call.OutputTokens * 100);
        });
        await using var session = host.Sessions.StartSession("agent", "check order");
        await AskAsync(host, streaming, "check 42", new ChatOptions { Tools = [LookupOrder] });
        await session.CompleteAsync();

        // One turn, two rounds: 30 uncached, 3,040 written, 3,000 read, 13 output.
        var call = Assert.Single(given);
        Assert.Equal((6070L, 3000L, 3040L, 13L), (call.InputTokens, call.CachedInputTokens, call.CacheWriteInputTokens, call.OutputTokens));
        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal((30 * 10) + (3040 * 25 / 2) + 3000 + (13 * 100), response.Usage!.CostMinorUnits);

        // The usage a grader's call is priced at, through the same client.
        var graded = await server.ChatClient().GetResponseAsync("grade it").WaitAsync(Bound);
        var usage = ModelUsage.Of(host.Chat, "agent", graded, null);
        Assert.Equal((7 * 10) + (100 * 25 / 2) + (2 * 100), usage.CostMinorUnits);
    }

    /// <summary>What Anthropic sends today: <c>usage.cache_creation</c> splits the writes by the cache's lifetime (a
    /// one-hour write is billed at twice the input price, a five-minute one at 1.25 times it), and a stream's
    /// <c>message_delta</c> repeats the cumulative input counts. The SDK gives the writes as one total, once.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cache_writes_of_both_lifetimes_are_given_to_CostOf_as_one_total_and_a_delta_repeating_them_does_not_double_them(bool streaming)
    {
        var usage = new
        {
            input_tokens = 10,
            output_tokens = 5,
            cache_read_input_tokens = 200,
            cache_creation_input_tokens = 3000,
            cache_creation = new { ephemeral_5m_input_tokens = 2000, ephemeral_1h_input_tokens = 1000 },
            service_tier = "standard",
        };
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            server.Stream(TextStream(usage with { output_tokens = 1 }, usage, "end_turn", "Hi"));
        }
        else
        {
            server.Message([Text("Hi")], usage: usage);
        }

        var given = new System.Collections.Concurrent.ConcurrentQueue<ModelCallUsage>();
        await using var host = Host(server, options: o => o.CostOf = call =>
        {
            given.Enqueue(call);
            return 1;
        });
        await using var session = host.Sessions.StartSession("agent", "cache");
        await AskAsync(host, streaming, "hi");
        await session.CompleteAsync();

        var call = Assert.Single(given);
        Assert.Equal((3210L, 200L, 3000L, 5L), (call.InputTokens, call.CachedInputTokens, call.CacheWriteInputTokens, call.OutputTokens));
        var response = Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
        Assert.Equal((3210L, 200L, 5L, 1L), (response.Usage!.InputTokens, response.Usage.CachedInputTokens, response.Usage.OutputTokens, response.Usage.CostMinorUnits));
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_round_records_each_call_its_arguments_and_result_once_and_the_errors_of_a_throwing_tool(bool dreamingOutside, bool streaming)
    {
        await using var server = new AnthropicWireServer();
        if (streaming)
        {
            // Text, then two tool_use blocks, the second's input split over two input_json_delta events, as Anthropic streams them.
            server.Stream(
            [
                MessageStart(Usage(50, 1)),
                BlockStart(0, Text("")),
                TextDelta(0, "Let me look."),
                BlockStop(0),
                BlockStart(1, ToolUse("toolu_1", "lookup_order", new { })),
                JsonDelta(1, "{\"orderId\":\"42\"}"),
                BlockStop(1),
                BlockStart(2, ToolUse("toolu_2", "lookup_order", new { })),
                JsonDelta(2, "{\"orderId\":"),
                JsonDelta(2, "\"7\"}"),
                BlockStop(2),
                MessageDelta("tool_use", new { output_tokens = 10 }),
                MessageStop(),
            ]).Stream(TextStream(Usage(40, 1, cacheRead: 40), new { output_tokens = 5 }, "end_turn", "do", "ne"));
        }
        else
        {
            server.Message([Text("Let me look."), ToolUse("toolu_1", "lookup_order", new { orderId = "42" }), ToolUse("toolu_2", "lookup_order", new { orderId = "7" })], "tool_use", Usage(50, 10))
                .Message([Text("done")], usage: Usage(40, 5, cacheRead: 40));
        }

        await using var host = Host(server, dreamingOutside);
        await using var session = host.Sessions.StartSession("agent", "check orders");

        Assert.EndsWith("done", (await AskAsync(host, streaming, "check 42 and 7", new ChatOptions { Tools = [LookupOrder] })).Text, StringComparison.Ordinal);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var calls = events.OfType<ToolCallEvent>().ToList();
        Assert.Equal([("toolu_1", "lookup_order", "{\"orderId\":\"42\"}"), ("toolu_2", "lookup_order", "{\"orderId\":\"7\"}")], calls.Select(c => (c.CallId, c.ToolName, c.Arguments)));
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal([("toolu_1", "lookup_order", false), ("toolu_2", "lookup_order", true)], results.Select(r => (r.CallId, r.ToolName, r.IsError)));
        Assert.Equal("shipped", results[0].Result);
        Assert.Equal((nameof(KeyNotFoundException), "order 7 not found"), (results[1].ErrorType, results[1].ErrorMessage));
        Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal(["Let me look.", "done"], events.OfType<MessageEvent>().Where(m => m.Role == "assistant").Select(m => m.Text));

        // Outside: one model.response for the turn with both rounds' usage; inside: one a round, each its own.
        var responses = WireHost.AssertTwoRoundResponses(events, dreamingOutside);

        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((130L, 15L, 40L, 145L), (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.CachedInputTokens, record.Usage.TotalTokens));
        Assert.Equal((50 * 10) + (10 * 100) + (40 * 10) + 40 + (5 * 100), record.Usage.CostMinorUnits);
        Assert.Equal(responses.Count, record.Usage.ModelCalls);

        // The second request carried the calls back as tool_use blocks and their results as tool_result blocks of one
        // user message, the failure flagged is_error.
        var second = server.Requests.ElementAt(1).Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], second.Select(m => m.GetProperty("role").GetString()));
        var uses = second[1].GetProperty("content").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "tool_use").ToList();
        Assert.Equal([("toolu_1", "42"), ("toolu_2", "7")], uses.Select(b => (b.GetProperty("id").GetString(), b.GetProperty("input").GetProperty("orderId").GetString())));
        var answers = second[2].GetProperty("content").EnumerateArray().ToList();
        Assert.All(answers, b => Assert.Equal("tool_result", b.GetProperty("type").GetString()));
        Assert.Equal([("toolu_1", false), ("toolu_2", true)], answers.Select(b => (b.GetProperty("tool_use_id").GetString(), b.GetProperty("is_error").GetBoolean())));
    }

    /// <summary>Extended thinking: the reply's thinking block is not recorded (its tokens are in the output), and the
    /// next turn, which sends it back with its signature as Anthropic requires, records only what is new.</summary>
    [Fact]
    public async Task A_reply_with_a_thinking_block_records_its_text_alone_and_the_history_sent_back_is_not_recorded_again()
    {
        await using var server = new AnthropicWireServer()
            .Message([new { type = "thinking", thinking = "The user greets me.", signature = "sig-1" }, Text("Hello!")], usage: Usage(20, 30))
            .Message([Text("Fine, thanks.")], usage: Usage(60, 5));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "chat");

        List<ChatMessage> history = [new(ChatRole.User, "hi")];
        var first = await host.Chat.GetResponseAsync(history).WaitAsync(Bound);
        Assert.Equal("Hello!", first.Text);
        history.AddRange(first.Messages);
        history.Add(new(ChatRole.User, "how are you?"));
        await host.Chat.GetResponseAsync(history).WaitAsync(Bound);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("user", "hi"), ("assistant", "Hello!"), ("user", "how are you?"), ("assistant", "Fine, thanks.")],
            events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
        Assert.Equal([30L, 5L], events.OfType<ModelResponseEvent>().Select(r => r.Usage!.OutputTokens));
        var resent = server.Requests.ElementAt(1).Body.GetProperty("messages")[1].GetProperty("content")[0];
        Assert.Equal(("thinking", "sig-1"), (resent.GetProperty("type").GetString(), resent.GetProperty("signature").GetString()));
    }

    [Fact]
    public async Task A_call_outside_any_session_over_the_wire_is_a_completed_one_call_session_with_its_usage()
    {
        await using var server = new AnthropicWireServer().Stream(TextStream(Usage(12, 1), new { output_tokens = 3 }, "end_turn", "Hi"));
        await using var host = Host(server);

        Assert.Equal("Hi", (await AskAsync(host, streaming: true, "hello?")).Text);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None).WaitAsync(Bound);

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal((SessionStatus.Completed, "hello?"), (session.Status, session.Task));
        Assert.Equal((12L, 3L, 1L), (session.Usage.InputTokens, session.Usage.OutputTokens, session.Usage.ModelCalls));
    }
}
