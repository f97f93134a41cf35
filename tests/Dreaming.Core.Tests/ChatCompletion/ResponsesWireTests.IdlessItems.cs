using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// A tool's item without an id (a proxy or a compatible server that leaves it out) is given a call id of its own. Live it
// was "call-" + its type, so two such items of one type in a response, or in a session, had one id and their results paired
// with the wrong call; imported it was "call-response-" + its place in the output, which live never matched.
public partial class ResponsesWireTests
{
    private static readonly object[] s_idlessOutput =
    [
        new { type = "mcp_list_tools", server_label = "stripe", tools = new[] { new { name = "create_refund", input_schema = new { } } } },
        new { type = "mcp_list_tools", server_label = "github", tools = new[] { new { name = "open_issue", input_schema = new { } } } },
        Message("msg_1", "Both servers are listed."),
    ];

    // Not streamed: a stream's events name their item by its id (item_id), which this server's stream needs.
    [Fact]
    public async Task Tool_items_without_an_id_get_call_ids_of_their_own_the_same_live_and_imported()
    {
        var (live, imported) = await LiveAndImportedAsync(s_idlessOutput, streaming: false, "list the tools");

        static List<string> Shape(IEnumerable<SessionEvent> events) => events.Select(e => e switch
        {
            ToolCallEvent c => $"call {c.CallId} {c.Arguments}",
            ToolResultEvent r => $"result {r.CallId} {r.Result}",
            _ => null,
        }).OfType<string>().ToList();

        Assert.Equal(
            ["call call-mcp_list_tools-1 {\"server_label\":\"stripe\"}", "result call-mcp_list_tools-1 create_refund",
             "call call-mcp_list_tools-2 {\"server_label\":\"github\"}", "result call-mcp_list_tools-2 open_issue"],
            Shape(live));
        Assert.Equal(Shape(live), Shape(imported.Events));
    }

    [Fact]
    public async Task A_tool_item_without_an_id_in_a_later_response_of_the_session_gets_the_next_call_id()
    {
        await using var server = new ResponsesWireServer();
        server.Response("resp_1", [s_idlessOutput[0], Message("msg_1", "Listed.")], Usage(10, 5));
        server.Response("resp_2", [s_idlessOutput[1], Message("msg_2", "Listed again.")], Usage(10, 5));
        await using var host = Host(server);
        string id;
        await using (var session = host.Sessions.StartSession("agent", "list the tools"))
        {
            id = session.Id;
            await AskAsync(host, streaming: false, "list the tools");
            await AskAsync(host, streaming: false, "and the other server's");
            await session.CompleteAsync();
        }

        Assert.Equal(
            ["call-mcp_list_tools-1", "call-mcp_list_tools-1", "call-mcp_list_tools-2", "call-mcp_list_tools-2"],
            (await host.EventsAsync(id)).Select(e => e switch { ToolCallEvent c => c.CallId, ToolResultEvent r => r.CallId, _ => null }).OfType<string>());
    }
}
