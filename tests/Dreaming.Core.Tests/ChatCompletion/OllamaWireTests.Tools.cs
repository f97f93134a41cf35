using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.OllamaWireServer;

namespace Dreaming.Tests;

// Tool rounds: Ollama sends its calls with no ids, so OllamaSharp makes one up for each call; the results are matched to
// the calls by those ids, which the host's history keeps.
public partial class OllamaWireTests
{
    private static AIFunction LookupOrder => AIFunctionFactory.Create(
        (string orderId) => orderId == "42" ? "shipped" : throw new KeyNotFoundException($"order {orderId} not found"), "lookup_order");

    // Three calls of the same tool in one turn, the first and last with the same arguments, then the answer.
    private static void ScriptToolTurn(OllamaWireServer server, bool streaming)
    {
        if (streaming)
        {
            // Ollama streams each call whole, a line holding one call or several, and ends the round with done_reason
            // "stop" and its usage.
            server.Stream([Part(ToolCalls(("lookup_order", new { orderId = "42" }))), Part(ToolCalls(("lookup_order", new { orderId = "7" }), ("lookup_order", new { orderId = "42" }))), Done(promptEvalCount: 50, evalCount: 10)]).Stream([Part(Text("do")), Part(Text("ne")), Done(promptEvalCount: 80, evalCount: 5)]);
        }
        else
        {
            server.Reply(ToolCalls(("lookup_order", new { orderId = "42" }), ("lookup_order", new { orderId = "7" }), ("lookup_order", new { orderId = "42" })), promptEvalCount: 50, evalCount: 10).Reply(Text("done"), promptEvalCount: 80, evalCount: 5);
        }
    }

    private static void ScriptText(OllamaWireServer server, bool streaming, string text, int promptEvalCount = 0, int evalCount = 0)
    {
        if (streaming)
        {
            server.Stream([Part(Text(text)), Done(promptEvalCount: promptEvalCount, evalCount: evalCount)]);
        }
        else
        {
            server.Reply(Text(text), promptEvalCount: promptEvalCount, evalCount: evalCount);
        }
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_round_of_three_calls_of_one_tool_records_each_call_and_its_own_result_once_by_the_ids_OllamaSharp_makes_up(bool dreamingOutside, bool streaming)
    {
        await using var server = new OllamaWireServer();
        ScriptToolTurn(server, streaming);
        await using var host = Host(server, dreamingOutside);
        await using var session = host.Sessions.StartSession("agent", "check orders");

        Assert.Equal("done", (await AskAsync(host, streaming, "check 42, 7 and 42 again", new ChatOptions { Tools = [LookupOrder] })).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var calls = events.OfType<ToolCallEvent>().ToList();
        Assert.Equal(["{\"orderId\":\"42\"}", "{\"orderId\":\"7\"}", "{\"orderId\":\"42\"}"], calls.Select(c => c.Arguments));
        Assert.All(calls, c => Assert.Equal("lookup_order", c.ToolName));
        Assert.All(calls, c => Assert.Equal(8, c.CallId.Length));
        Assert.Equal(3, calls.Select(c => c.CallId).Distinct().Count());

        // Each result carries the id of its own call: the one that failed is the second call's, not the first's or last's.
        var results = events.OfType<ToolResultEvent>().ToList();
        Assert.Equal(calls.Select(c => c.CallId), results.Select(r => r.CallId));
        Assert.Equal([("shipped", false), (null, true), ("shipped", false)], results.Select(r => (r.IsError ? null : r.Result, r.IsError)));
        Assert.Equal((nameof(KeyNotFoundException), "order 7 not found"), (results[1].ErrorType, results[1].ErrorMessage));
        Assert.All(results, r => Assert.Equal("lookup_order", r.ToolName));
        Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal("done", Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant").Text);

        // Ollama ends a round of tool calls with done_reason "stop", like a final answer.
        var responses = events.OfType<ModelResponseEvent>().ToList();
        Assert.Equal(
            dreamingOutside ? [("stop", 130L, 15L)] : [("stop", 50L, 10L), ("stop", 80L, 5L)],
            responses.Select(r => (r.FinishReason, r.Usage!.InputTokens, r.Usage.OutputTokens)));
        var record = (await host.Store.GetSessionAsync(session.Id))!;
        Assert.Equal((130L, 15L, (130 * 10) + (15 * 100L), (long)responses.Count), (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.CostMinorUnits, record.Usage.ModelCalls));

        // On the wire the results went back as role "tool" messages, OllamaSharp writing the made-up id into their content.
        var sent = ToolMessages(server.Requests.ElementAt(1).Body);
        Assert.Equal(calls.Select(c => c.CallId), sent.Select(m => m.CallId));
        Assert.Equal("shipped", sent[0].Result);
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task The_next_turn_resending_the_tool_round_records_only_the_new_messages_also_from_a_history_stored_as_json(bool dreamingOutside, bool streaming)
    {
        foreach (var stored in new[] { false, true })
        {
            await using var server = new OllamaWireServer();
            ScriptToolTurn(server, streaming);
            ScriptText(server, streaming, "You are welcome.", 120, 4);
            await using var host = Host(server, dreamingOutside);
            await using var session = host.Sessions.StartSession("agent", "check orders");
            var options = new ChatOptions { Tools = [LookupOrder] };
            List<ChatMessage> history = [new(ChatRole.System, "You check orders."), new(ChatRole.User, "check 42, 7 and 42 again")];

            history.AddRange((await AskAsync(host, streaming, history, options)).Messages);
            if (stored)
            {
                // A host that keeps its conversation in a database as Microsoft.Extensions.AI's JSON: new instances, the
                // same made-up call ids.
                history = JsonSerializer.Deserialize<List<ChatMessage>>(JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;
            }

            history.Add(new(ChatRole.User, "thanks"));
            Assert.Equal("You are welcome.", (await AskAsync(host, streaming, history, options)).Text);
            await session.CompleteAsync();

            var events = await host.EventsAsync(session.Id);
            Assert.Equal(
                [("system", "You check orders."), ("user", "check 42, 7 and 42 again"), ("assistant", "done"), ("user", "thanks"), ("assistant", "You are welcome.")],
                events.OfType<MessageEvent>().Select(m => (m.Role, m.Text)));
            Assert.Equal(3, events.OfType<ToolCallEvent>().Count());
            Assert.Equal(events.OfType<ToolCallEvent>().Select(c => c.CallId), events.OfType<ToolResultEvent>().Select(r => r.CallId));
            Assert.Equal((250L, 19L), ((await host.Store.GetSessionAsync(session.Id))!.Usage.InputTokens, (await host.Store.GetSessionAsync(session.Id))!.Usage.OutputTokens));

            // The last request resent the round with the ids the session recorded.
            Assert.Equal(events.OfType<ToolCallEvent>().Select(c => c.CallId), ToolMessages(server.Requests.Last().Body).Select(m => m.CallId));
        }
    }

    [Fact]
    public async Task A_history_whose_tool_calls_get_new_ids_every_turn_records_the_round_again_as_tracing_md_warns()
    {
        // A host that keeps Ollama's own messages and maps them to Microsoft.Extensions.AI anew each turn: OllamaSharp
        // makes up new ids each time, so the round no longer matches what was recorded (tracing.md, "Ollama").
        await using var server = new OllamaWireServer();
        ScriptToolTurn(server, streaming: false);
        ScriptText(server, streaming: false, "You are welcome.");
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "check orders");
        var options = new ChatOptions { Tools = [LookupOrder] };
        List<ChatMessage> history = [new(ChatRole.User, "check 42, 7 and 42 again")];

        history.AddRange((await AskAsync(host, streaming: false, history, options)).Messages);
        history = history.Select(WithNewCallIds).ToList();
        history.Add(new(ChatRole.User, "thanks"));
        await AskAsync(host, streaming: false, history, options);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(6, events.OfType<ToolCallEvent>().Count());
        Assert.Equal(6, events.OfType<ToolResultEvent>().Count());
        Assert.Single(events.OfType<MessageEvent>(), m => m.Text == "check 42, 7 and 42 again");
    }

    [Fact]
    public async Task An_id_the_server_gives_a_tool_call_is_ignored_by_OllamaSharp_whose_own_id_the_call_and_its_result_are_recorded_under()
    {
        await using var server = new OllamaWireServer()
            .Reply(new { role = "assistant", content = "", tool_calls = new[] { new { id = "call_from_server", function = new { index = 0, name = "lookup_order", arguments = new { orderId = "42" } } } } })
            .Reply(Text("done"));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "check an order");

        await AskAsync(host, streaming: false, "check 42", new ChatOptions { Tools = [LookupOrder] });
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.NotEqual("call_from_server", call.CallId);
        Assert.Equal((call.CallId, "shipped"), (Assert.Single(events.OfType<ToolResultEvent>()).CallId, Assert.Single(events.OfType<ToolResultEvent>()).Result));
        Assert.Equal([call.CallId], ToolMessages(server.Requests.Last().Body).Select(m => m.CallId));
    }

    // The message with each call id replaced by the same new one in calls and results ("x" put before it).
    private static ChatMessage WithNewCallIds(ChatMessage message) => message.Contents.Any(c => c is FunctionCallContent or FunctionResultContent)
        ? new ChatMessage(message.Role, message.Contents.Select(c => c switch
        {
            FunctionCallContent call => new FunctionCallContent("x" + call.CallId, call.Name, call.Arguments),
            FunctionResultContent result => new FunctionResultContent("x" + result.CallId, result.Result),
            _ => c,
        }).ToList())
        : message;

    // The role "tool" messages of a request: OllamaSharp 5.5 writes each result as {"CallId": ..., "Result": ...} in its content.
    private static List<(string? CallId, string? Result)> ToolMessages(JsonElement body) => body.GetProperty("messages").EnumerateArray()
        .Where(m => m.GetProperty("role").GetString() == "tool")
        .Select(m =>
        {
            using var content = JsonDocument.Parse(m.GetProperty("content").GetString()!);
            var result = content.RootElement.GetProperty("Result");
            return (content.RootElement.GetProperty("CallId").GetString(), result.ValueKind == JsonValueKind.String ? result.GetString() : result.GetRawText());
        })
        .ToList();
}
