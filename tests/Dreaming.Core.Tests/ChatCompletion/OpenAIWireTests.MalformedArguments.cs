using Microsoft.Extensions.AI;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

// Tool-call arguments that are not valid JSON over the wire, as smaller models send them.
public partial class OpenAIWireTests
{
    [Theory]
    [MemberData(nameof(Orders))]
    public async Task A_tool_call_whose_arguments_are_not_valid_json_records_the_parse_error(bool dreamingOutside, bool streaming)
    {
        const string Malformed = "{\"orderId\": \"42\"";
        await using var server = new OpenAIWireServer();
        if (streaming)
        {
            server.Stream([Chunk(new { role = "assistant", tool_calls = new[] { ToolCallDelta(0, "call_1", Malformed) } }), Chunk(finishReason: "tool_calls"), Chunk(usage: Usage(50, 10), noChoices: true)])
                .Stream([Chunk(new { role = "assistant", content = "sorry" }), Chunk(finishReason: "stop")]);
        }
        else
        {
            server.Completion(new { role = "assistant", content = (string?)null, tool_calls = new[] { ToolCall("call_1", Malformed) } }, "tool_calls", Usage(50, 10))
                .Completion(new { role = "assistant", content = "sorry" });
        }

        await using var host = Host(server, dreamingOutside);
        await using var session = host.Sessions.StartSession("agent", "check order");

        Assert.Equal("sorry", (await AskAsync(host, streaming, "check 42", new ChatOptions { Tools = [LookupOrder] })).Text);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        var call = Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal(("call_1", "lookup_order", null), (call.CallId, call.ToolName, call.Arguments));
        Assert.NotNull(call.ArgumentsError);
        Assert.StartsWith("Error parsing function call arguments. ", call.ArgumentsError, StringComparison.Ordinal);

        // The JsonException's own message follows, with where the JSON broke off.
        Assert.Contains("LineNumber: 0", call.ArgumentsError, StringComparison.Ordinal);
        Assert.True(Assert.Single(events.OfType<ToolResultEvent>()).IsError);
    }
}
