using Microsoft.Extensions.AI;
using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// The tools OpenAI runs (web search, code interpreter, image generation, MCP), as Microsoft.Extensions.AI.OpenAI 10.11 gives
// their items: recorded live as the import records the same response (they were dropped live); and the items it gives as a
// bare AIContent (mcp_list_tools, custom_tool_call, local_shell_call), which were dropped live too.
public partial class ResponsesWireTests
{
    private static readonly object[] s_hostedOutput =
    [
        new { type = "web_search_call", id = "ws_1", status = "completed", action = new { type = "search", query = "refund policy", sources = new[] { new { type = "url", url = "https://example.com/refunds" } } } },
        new { type = "code_interpreter_call", id = "ci_1", status = "completed", code = "1/0", container_id = "cntr_1", outputs = new[] { new { type = "logs", logs = "ZeroDivisionError: division by zero" } } },
        new { type = "image_generation_call", id = "ig_1", status = "completed", output_format = "png", result = "iVBORw0KGgoAAAA=" },
        new { type = "mcp_call", id = "mcp_1", server_label = "stripe", name = "create_refund", arguments = "{\"amount\":5}", output = (string?)null, error = "card declined" },
        new { type = "mcp_call", id = "mcp_2", server_label = "stripe", name = "get_charge", arguments = "{\"id\":\"ch_1\"}", output = "refunded: false", error = (string?)null },
        new { type = "mcp_call", id = "mcp_3", server_label = "stripe", name = "get_charge", arguments = "{}", output = (string?)null, error = new { type = "http_error", code = 500, message = "server error" } },
        // Given as a bare AIContent whose RawRepresentation is the SDK's item, read from its JSON.
        new { type = "mcp_list_tools", id = "mcpl_1", server_label = "stripe", tools = new[] { new { name = "create_refund", input_schema = new { } } } },
        new { type = "custom_tool_call", id = "ctc_1", call_id = "call_ct_1", name = "sql", input = "SELECT 1", status = "completed" },
        new { type = "local_shell_call", id = "lsc_1", call_id = "call_ls_1", status = "completed", action = new { type = "exec", command = new[] { "ls" }, env = new { } } },
        Message("msg_1", "I could not refund it."),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hosted_tools_items_are_recorded_live_as_their_import_records_them(bool streaming)
    {
        var (live, imported) = await LiveAndImportedAsync(s_hostedOutput, streaming, "refund order 42");

        static IEnumerable<string> Shape(IEnumerable<SessionEvent> events) => events.Select(e => e switch
        {
            ToolCallEvent c => $"call {c.CallId} {c.ToolName} {c.Arguments}",
            ToolResultEvent r => $"result {r.CallId} {r.ToolName} {r.Result} {r.IsError} {r.ErrorMessage}",
            MessageEvent m => $"{m.Role}: {m.Text}",
            _ => e.EventType,
        });

        // Live, a message's text comes before its contents' calls (as with functions'); the import keeps the items' order.
        Assert.Equal(Shape(imported.Events.OfType<MessageEvent>()), Shape(live.OfType<MessageEvent>()));
        var expected = Shape(imported.Events.Where(e => e is ToolCallEvent or ToolResultEvent)).ToList();
        // An image generation's item fields are its imported arguments; the contents carry none of them.
        expected[expected.IndexOf("call ig_1 image_generation {\"output_format\":\"png\"}")] = "call ig_1 image_generation ";
        if (streaming)
        {
            // Microsoft.Extensions.AI.OpenAI 10.11 gives a streamed code interpreter's call only from its code's delta
            // events, which this stream does not send: the result comes alone, and its call is recorded without the code.
            expected[expected.IndexOf("call ci_1 code_interpreter {\"code\":\"1/0\"}")] = "call ci_1 code_interpreter ";
        }

        Assert.Equal(expected, Shape(live.Where(e => e is ToolCallEvent or ToolResultEvent)));
        Assert.Equal(
            ["call ws_1 web_search {\"queries\":[\"refund policy\"]}", "result ws_1 web_search https://example.com/refunds False ",
             "result ig_1 image_generation [attachment: image/png, 11 bytes] False ", "result mcp_1 create_refund  True card declined",
             "result mcp_3 get_charge  True server error", "call mcpl_1 mcp_list_tools {\"server_label\":\"stripe\"}",
             "result mcpl_1 mcp_list_tools create_refund False ", "call call_ct_1 sql {\"input\":\"SELECT 1\"}",
             "call call_ls_1 local_shell {\"action\":{\"type\":\"exec\",\"command\":[\"ls\"],\"env\":{}}}"],
            expected.Where(e => e.Contains("ws_1", StringComparison.Ordinal) || e.StartsWith("result mcp_1", StringComparison.Ordinal) || e.StartsWith("result mcp_3", StringComparison.Ordinal)
                || e.StartsWith("result ig_1", StringComparison.Ordinal) || e.Contains("mcpl_1", StringComparison.Ordinal) || e.Contains("call_ct_1", StringComparison.Ordinal)
                || e.Contains("call_ls_1", StringComparison.Ordinal)));
    }
}
