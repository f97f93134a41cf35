using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static Dreaming.Tests.AnthropicWireServer;

namespace Dreaming.Tests;

/// <summary>A host that logs what the official Anthropic SDK sent (the request body) and what it got back (the message),
/// and imports that log later, gets the session <c>UseDreaming()</c> would have recorded live.</summary>
public sealed class AnthropicImportParityTests
{
    [Fact]
    public async Task The_last_request_and_its_response_import_as_the_session_recorded_live()
    {
        var answer = new
        {
            id = "msg_1",
            type = "message",
            role = "assistant",
            model = Snapshot,
            content = new[] { Text("Order 7 was not found.") },
            stop_reason = "end_turn",
            stop_sequence = (string?)null,
            usage = Usage(20, 5, cacheRead: 100),
        };
        await using var server = new AnthropicWireServer()
            .Message([Text("Let me check."), ToolUse("toolu_1", "lookup_order", new { orderId = "7" })], "tool_use", Usage(10, 8))
            .Json(200, answer);

        // UseDreaming() inside UseFunctionInvocation(), so each round is recorded with its usage; the tool throws for 7.
        await using var host = WireHost.Create(server.ChatClient(), dreamingOutside: false, _ => { });
        string id;
        await using (var session = host.Sessions.StartSession("agent", "check order 7"))
        {
            id = session.Id;
            await WireHost.AskAsync(host, streaming: false, [new(ChatRole.System, "You look orders up."), new(ChatRole.User, "check order 7")], new ChatOptions { Tools = [WireHost.LookupOrder] });
            await session.CompleteAsync();
        }

        var live = await host.EventsAsync(id);
        var request = server.Requests.Last().Body;
        var log = "[{\"request\":" + request.GetRawText() + ",\"response\":" + JsonSerializer.Serialize(answer) + "}]";
        SessionWithEvents? imported = null;
        await foreach (var item in new SessionLogReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "claude.json", new SessionImportOptions { MessagesField = "request.messages" }))
        {
            imported = item.Session ?? throw new InvalidOperationException(item.Error!.ToString());
        }

        // The request holds the whole conversation (its system prompt beside the messages, the thrown tool's is_error
        // result); only the last round's usage is in the log.
        Assert.Equal("You look orders up.", request.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal(Shape(live.Where(e => e is not ModelResponseEvent)), Shape(imported!.Events.Where(e => e is not ModelResponseEvent)));
        var lastRound = live.OfType<ModelResponseEvent>().Last();
        var importedRound = Assert.Single(imported.Events.OfType<ModelResponseEvent>());
        Assert.Equal((lastRound.ModelId, lastRound.ResponseId, lastRound.FinishReason, lastRound.Usage), (importedRound.ModelId, importedRound.ResponseId, importedRound.FinishReason, importedRound.Usage));
        Assert.True(imported.Events.OfType<ToolResultEvent>().Single().IsError);
    }

    [Fact]
    public async Task Several_system_messages_and_the_injected_memory_import_as_the_session_recorded_live()
    {
        var answer = new { id = "msg_1", type = "message", role = "assistant", model = Snapshot, content = new[] { Text("Refunded [ins-refund].") }, stop_reason = "end_turn", usage = Usage(20, 5) };
        await using var server = new AnthropicWireServer().Json(200, answer);
        await using var host = WireHost.Create(server.ChatClient(), dreamingOutside: false, _ => { });
        await PromptCachingWireTests.ActivateCacheMemoryAsync(host);
        string id;
        await using (var session = host.Sessions.StartSession("support", "refund order 7"))
        {
            id = session.Id;
            await WireHost.AskAsync(host, streaming: false, [new(ChatRole.System, "You look orders up."), new(ChatRole.System, "Answer in French."), new(ChatRole.User, "refund order 7")]);
            await session.CompleteAsync();
        }

        var live = await host.EventsAsync(id);
        var request = server.Requests.Last().Body;
        var imported = await ImportAsync(request, JsonSerializer.SerializeToElement(answer));

        // The SDK sends each system message as a block of 'system', the memory as the block after the host's.
        Assert.Equal(3, request.GetProperty("system").GetArrayLength());
        // The same events, but live's memory.injected, which names a version and scope the log does not hold.
        Assert.Equal(Shape(live.Where(e => e is not InsightsInjectedEvent)), Shape(imported.Events));
        Assert.Equal(live.OfType<InsightsInjectedEvent>().SelectMany(e => e.InsightIds).Order(StringComparer.Ordinal), imported.Session.InsightIds.Order(StringComparer.Ordinal));
        Assert.Equal(["ins-refund"], live.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds));
        Assert.Equal(live.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds), imported.Events.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds));
    }

    [Fact]
    public async Task A_response_of_thinking_alone_imports_as_the_session_recorded_live()
    {
        var answer = new
        {
            id = "msg_1",
            type = "message",
            role = "assistant",
            model = Snapshot,
            content = new object[] { new { type = "thinking", thinking = "Let me think about order 7 at length", signature = "sig" } },
            stop_reason = "max_tokens",
            stop_sequence = (string?)null,
            usage = Usage(20, 5),
        };
        await using var server = new AnthropicWireServer().Json(200, answer);
        await using var host = WireHost.Create(server.ChatClient(), dreamingOutside: false, _ => { });
        string id;
        await using (var session = host.Sessions.StartSession("agent", "check order 7"))
        {
            id = session.Id;
            await WireHost.AskAsync(host, streaming: false, [new(ChatRole.User, "check order 7")]);
            await session.CompleteAsync();
        }

        var live = await host.EventsAsync(id);
        var imported = await ImportAsync(server.Requests.Last().Body, JsonSerializer.SerializeToElement(answer));

        Assert.Equal(["message.user", "model.response"], live.Select(e => e.EventType));
        Assert.Equal(Shape(live), Shape(imported.Events));
    }

    private static async Task<SessionWithEvents> ImportAsync(JsonElement request, JsonElement response)
    {
        var log = "[{\"request\":" + request.GetRawText() + ",\"response\":" + response.GetRawText() + "}]";
        await foreach (var item in new SessionLogReader().ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(log)), "claude.json", new SessionImportOptions { MessagesField = "request.messages" }))
        {
            return item.Session ?? throw new InvalidOperationException(item.Error!.ToString());
        }

        throw new InvalidOperationException("nothing read");
    }

    private static List<string> Shape(IEnumerable<SessionEvent> events) => events.Select(e => e switch
    {
        MessageEvent m => $"{m.EventType}: {m.Text}",
        ToolCallEvent c => $"{c.EventType}: {c.CallId} {c.ToolName} {c.Arguments}",
        ToolResultEvent r => $"{r.EventType}: {r.CallId} {r.ToolName} {r.Result} error={r.IsError}",
        _ => e.EventType,
    }).ToList();
}
