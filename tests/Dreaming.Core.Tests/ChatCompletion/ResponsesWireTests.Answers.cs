using Microsoft.Extensions.AI;
using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// Answers over the Responses API: text and usage, reasoning, tool rounds, a cut-off answer and a refusal.
public partial class ResponsesWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_response_records_its_text_model_id_usage_cached_tokens_and_cost_once(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        object[] output = [Message("msg_1", "Hello there")];
        if (streaming)
        {
            server.Stream(Events("resp_1", output, Usage(100, 20, cached: 60, reasoning: 8), textDeltas: ["Hel", "lo", " there"]));
        }
        else
        {
            server.Response("resp_1", output, Usage(100, 20, cached: 60, reasoning: 8));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        var reply = await AskAsync(host, streaming, "hi");
        await session.CompleteAsync();

        Assert.Equal("Hello there", reply.Text);
        Assert.Equal(8, reply.Usage!.ReasoningTokenCount);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hello there", ((MessageEvent)events[1]).Text);
        var response = (ModelResponseEvent)events[2];
        Assert.Equal((Model, "resp_1", streaming), (response.ModelId, response.ResponseId, response.Streaming));

        // Microsoft.Extensions.AI.OpenAI 10.11 gives a finish reason to a streamed response only (stop, or tool_calls),
        // and to one not streamed only when it is incomplete (length, content_filter).
        Assert.Equal(streaming ? "stop" : null, response.FinishReason);

        // Reasoning tokens are part of output_tokens, as OpenAI bills them: counted and priced once, in OutputTokens.
        Assert.Equal((100L, 20L, 60L, 1L), (response.Usage!.InputTokens, response.Usage.OutputTokens, response.Usage.CachedInputTokens, response.Usage.ModelCalls));
        Assert.Equal((40 * 10) + 60 + (20 * 80), response.Usage.CostMinorUnits);
        Assert.Equal(response.Usage, (await host.Store.GetSessionAsync(session.Id))!.Usage);

        var (path, body) = Assert.Single(server.Requests);
        Assert.Equal("/v1/responses", path);
        Assert.Equal("gpt-5-mini", StringOf(body, "model"));
        Assert.Equal(streaming, body.TryGetProperty("stream", out var stream) && stream.GetBoolean());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CostOf_is_given_the_reasoning_tokens_apart_as_the_part_of_the_output_tokens_they_are(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        ScriptText(server, streaming, "resp_1", "42", Usage(100, 20, cached: 60, reasoning: 8));
        var asked = new List<ModelCallUsage>();
        await using var host = WireHost.Create(server.ChatClient(), dreamingOutside: true, o => o.CostOf = call =>
        {
            asked.Add(call);
            return Price(call);
        });
        await using var session = host.Sessions.StartSession("agent", "think");

        await AskAsync(host, streaming, "what is six times seven?");
        await session.CompleteAsync();

        // OpenAI bills reasoning as output: the price is OutputTokens', and ReasoningOutputTokens only says how much of it.
        var call = Assert.Single(asked);
        Assert.Equal((20L, 8L), (call.OutputTokens, call.ReasoningOutputTokens));
        Assert.Equal((40 * 10) + 60 + (20 * 80), (await host.Store.GetSessionAsync(session.Id))!.Usage.CostMinorUnits);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reasoning_item_is_not_recorded_as_answer_text(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        object[] output = [Reasoning("rs_1", "The user greets me; greet back."), Message("msg_1", "Hello")];
        if (streaming)
        {
            server.Stream(Events("resp_1", output, Usage(30, 50, reasoning: 45)));
        }
        else
        {
            server.Response("resp_1", output, Usage(30, 50, reasoning: 45));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "greet");

        var reply = await AskAsync(host, streaming, "hi");
        await session.CompleteAsync();

        Assert.Contains(reply.Messages.SelectMany(m => m.Contents), c => c is TextReasoningContent { Text: "The user greets me; greet back." });
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("Hello", ((MessageEvent)events[1]).Text);
        Assert.Equal(50L, ((ModelResponseEvent)events[2]).Usage!.OutputTokens);
    }

    [Fact]
    public async Task An_incomplete_response_at_max_output_tokens_records_the_text_that_came_its_usage_and_finish_reason_length()
    {
        await using var server = new ResponsesWireServer().Response("resp_1", [Message("msg_1", "The order was sent on")], Usage(40, 16), status: "incomplete", incompleteReason: "max_output_tokens");
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cut");

        await AskAsync(host, streaming: false, "when was it sent?", new ChatOptions { MaxOutputTokens = 16 });
        await session.CompleteAsync();

        Assert.Equal(16, Assert.Single(server.Requests).Body.GetProperty("max_output_tokens").GetInt32());
        var events = await host.EventsAsync(session.Id);
        Assert.Equal("The order was sent on", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal(("length", 40L, 16L), (response.FinishReason, response.Usage!.InputTokens, response.Usage.OutputTokens));
    }

    [Fact]
    public async Task A_streamed_response_that_ends_incomplete_records_its_text_but_no_finish_reason_and_no_usage_as_tracing_md_warns()
    {
        // Microsoft.Extensions.AI.OpenAI 10.11 reads the finish reason and usage of a stream from response.completed only:
        // response.incomplete carries both, and neither reaches the IChatClient's caller, nor the middleware.
        await using var server = new ResponsesWireServer().Stream(Events("resp_1", [Message("msg_1", "The order was sent on")], Usage(40, 16), status: "incomplete", incompleteReason: "max_output_tokens"));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "cut");

        var reply = await AskAsync(host, streaming: true, "when was it sent?", new ChatOptions { MaxOutputTokens = 16 });
        await session.CompleteAsync();

        Assert.Equal(("The order was sent on", null, null), (reply.Text, reply.FinishReason, reply.Usage));
        var events = await host.EventsAsync(session.Id);
        Assert.Equal("The order was sent on", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);
        var response = Assert.Single(events.OfType<ModelResponseEvent>());
        Assert.Equal((null, new SessionUsage { ModelCalls = 1 }), (response.FinishReason, response.Usage));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refusal_is_recorded_once_as_the_answers_text(bool streaming)
    {
        await using var server = new ResponsesWireServer();
        object[] output = [Refusal("msg_1", "I can't help with that.")];
        if (streaming)
        {
            server.Stream(Events("resp_1", output, Usage(20, 6)));
        }
        else
        {
            server.Response("resp_1", output, Usage(20, 6));
        }

        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "refused");

        await AskAsync(host, streaming, "help me pick a lock");
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("I can't help with that.", ((MessageEvent)events[1]).Text);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_round_records_each_call_its_streamed_arguments_and_result_once_and_the_error_of_a_throwing_tool(bool dreamingOutside, bool streaming)
    {
        await using var server = new ResponsesWireServer();
        object[] calls = [FunctionCall("fc_1", "call_1", "{\"orderId\":\"42\"}"), FunctionCall("fc_2", "call_2", "{\"orderId\":\"7\"}")];
        if (streaming)
        {
            server.Stream(Events("resp_1", calls, Usage(50, 10)));
        }
        else
        {
            server.Response("resp_1", calls, Usage(50, 10));
        }

        ScriptText(server, streaming, "resp_2", "done", Usage(80, 5, cached: 40));
        await using var host = Host(server, dreamingOutside);
        await using var session = host.Sessions.StartSession("agent", "check orders");

        Assert.Equal("done", (await AskAsync(host, streaming, "check 42 and 7", new ChatOptions { Tools = [WireHost.LookupOrder] })).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            [("call_1", "lookup_order", "{\"orderId\":\"42\"}"), ("call_2", "lookup_order", "{\"orderId\":\"7\"}")],
            events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.ToolName, c.Arguments)));
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal([("call_1", "lookup_order", false), ("call_2", "lookup_order", true)], results.Select(r => (r.CallId, r.ToolName, r.IsError)));
        Assert.Equal((nameof(KeyNotFoundException), "order 7 not found"), (results[1].ErrorType, results[1].ErrorMessage));
        Assert.Equal(["check 42 and 7", "done"], events.OfType<MessageEvent>().Select(m => m.Text));

        var responses = events.OfType<ModelResponseEvent>().ToList();
        Assert.Equal(dreamingOutside ? [(130L, 15L, 40L)] : [(50L, 10L, 0L), (80L, 5L, 40L)], responses.Select(r => (r.Usage!.InputTokens, r.Usage.OutputTokens, r.Usage.CachedInputTokens)));
        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((130L, 15L, 40L, responses.Count), (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.CachedInputTokens, record.Usage.ModelCalls));

        // The second request went on from the first response and carried only the tool results.
        var second = server.Requests.ElementAt(1).Body;
        Assert.Equal("resp_1", StringOf(second, "previous_response_id"));
        Assert.Equal(
            [("function_call_output", "call_1"), ("function_call_output", "call_2")],
            second.GetProperty("input").EnumerateArray().Select(i => (StringOf(i, "type"), StringOf(i, "call_id"))));
    }
}
