using System.Text;
using Microsoft.Extensions.AI;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

// How a hosted tool's contents are put together by call id: a call's result may come in a later message of the response,
// and a provider that numbers its calls per round (several rounds in one response with UseFunctionInvocation() inside
// this client) may use an id again once its call has its result, which makes a second call.
public partial class DreamingChatClientTests
{
    [Fact]
    public async Task A_hosted_call_id_used_again_after_its_result_is_a_call_of_its_own_and_a_result_in_a_later_message_is_kept()
    {
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(
            [
                new ChatMessage(ChatRole.Assistant, [Code("ci", "1+1"), CodeResult("ci", "2"), Code("ci", "2+2"), CodeResult("ci", "4")]),
                new ChatMessage(ChatRole.Assistant, [new WebSearchToolCallContent("ws_1") { Queries = ["refund policy"] }]),
                new ChatMessage(ChatRole.Assistant, [new WebSearchToolResultContent("ws_1") { Outputs = [new UriContent(new Uri("https://example.com/refunds"), "text/html")] }, Code("ci", "3+3"), CodeResult("ci", "6")]),
            ])),
        };
        await using var host = TracingHost.Create(model, b => b.UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "sums");
        await host.Chat.GetResponseAsync("sums").WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            ["call ci {\"code\":\"1+1\"}", "result ci 2", "call ci {\"code\":\"2+2\"}", "result ci 4", "call ws_1 {\"queries\":[\"refund policy\"]}",
             "result ws_1 https://example.com/refunds", "call ci {\"code\":\"3+3\"}", "result ci 6"],
            events.Select(e => e switch
            {
                ToolCallEvent c => $"call {c.CallId} {c.Arguments}",
                ToolResultEvent r => $"result {r.CallId} {r.Result}",
                _ => null,
            }).OfType<string>());

        static CodeInterpreterToolCallContent Code(string id, string code) => new(id) { Inputs = [new DataContent(Encoding.UTF8.GetBytes(code), "text/x-python")] };
        static CodeInterpreterToolResultContent CodeResult(string id, string text) => new(id) { Outputs = [new TextContent(text)] };
    }
}
