using static Dreaming.Tests.ResponsesWireServer;

namespace Dreaming.Tests;

// A web search whose action gives both "query" and "queries": Microsoft.Extensions.AI.OpenAI 10.11 gives the queries (its
// "query" only when there are none), and the import records the same arguments.
public partial class ResponsesWireTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_web_search_of_query_and_queries_has_the_same_arguments_live_and_imported(bool streaming)
    {
        object[] output =
        [
            new { type = "web_search_call", id = "ws_1", status = "completed", action = new { type = "search", query = "refund", queries = new[] { "refund policy", "returns" } } },
            Message("msg_1", "Refunds take 30 days."),
        ];
        var (events, imported) = await LiveAndImportedAsync(output, streaming, "refunds");
        var live = events.OfType<ToolCallEvent>().Single();

        Assert.Equal("""{"queries":["refund policy","returns"]}""", live.Arguments);
        Assert.Equal(live.Arguments, imported.Events.OfType<ToolCallEvent>().Single().Arguments);
    }

    // A search of a blank query was recorded {"queries":[""]} live and imported (Microsoft.Extensions.AI.OpenAI 10.11 gives it
    // as [""]); and Microsoft.Extensions.AI.OpenAI reads "query" of a search action only, where the import recorded
    // {"queries":["refund"]} for a page opened, as if searched.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_blank_query_and_an_action_other_than_a_search_are_no_queries_live_or_imported(bool streaming)
    {
        object[] output =
        [
            new { type = "web_search_call", id = "ws_1", status = "completed", action = new { type = "search", query = "" } },
            new { type = "web_search_call", id = "ws_2", status = "completed", action = new { type = "open_page", url = "https://example.com/", query = "refund" } },
            Message("msg_1", "Refunds take 30 days."),
        ];
        var (events, imported) = await LiveAndImportedAsync(output, streaming, "refunds");
        var live = events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.Arguments)).ToList();

        Assert.Equal([("ws_1", (string?)null), ("ws_2", null)], live);

        // A page opened keeps its action's fields imported (what live has none of), not a search's queries.
        Assert.Equal(
            [("ws_1", (string?)null), ("ws_2", """{"action":{"type":"open_page","url":"https://example.com/","query":"refund"}}""")],
            imported.Events.OfType<ToolCallEvent>().Select(c => (c.CallId, c.Arguments)));
    }
}
