using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI.Responses;
using static Dreaming.Tests.ResponsesWireServer;

#pragma warning disable OPENAI001 // The Responses API's types are marked for evaluation in OpenAI 2.14.

namespace Dreaming.Tests;

// A custom tool (GPT-5's free-form tools) runs in the app: its custom_tool_call comes as a bare AIContent, and the app sends
// its custom_tool_call_output back as one (its RawRepresentation the SDK's item). Neither was recorded live.
public partial class ResponsesWireTests
{
    [Fact]
    public async Task A_custom_tools_call_and_the_output_sent_back_are_recorded_as_their_import_records_them()
    {
        object[] call = [new { type = "custom_tool_call", id = "ctc_1", call_id = "call_ct_1", name = "sql", input = "SELECT 1", status = "completed" }];
        object[] answer = [Message("msg_1", "One row.")];
        await using var server = new ResponsesWireServer();
        server.Response("resp_1", call, Usage(10, 5)).Response("resp_2", answer, Usage(20, 5));
        await using var host = Host(server);
        string id;
        await using (var session = host.Sessions.StartSession("agent", "count rows"))
        {
            id = session.Id;
            List<ChatMessage> conversation = [new(ChatRole.User, "count rows")];
            conversation.AddRange((await host.Chat.GetResponseAsync(conversation).WaitAsync(Bound)).Messages);
            var output = ModelReaderWriter.Read<ResponseItem>(BinaryData.FromString("""{"type":"custom_tool_call_output","call_id":"call_ct_1","output":"1 row"}"""))!;
            conversation.Add(new ChatMessage(ChatRole.Tool, [new AIContent { RawRepresentation = output }]));
            await host.Chat.GetResponseAsync(conversation).WaitAsync(Bound);
            await session.CompleteAsync();
        }

        var imported = await ImportAsync(
            [new { role = "user", content = "count rows" }, call[0], new { type = "custom_tool_call_output", call_id = "call_ct_1", output = "1 row" }],
            ResponseObject("resp_2", answer, Usage(20, 5)));

        static IEnumerable<string> Tools(IEnumerable<SessionEvent> events) => events.Select(e => e switch
        {
            ToolCallEvent c => $"call {c.CallId} {c.ToolName} {c.Arguments}",
            ToolResultEvent r => $"result {r.CallId} {r.ToolName} {r.Result} {r.IsError}",
            _ => null,
        }).OfType<string>();

        Assert.Equal(["call call_ct_1 sql {\"input\":\"SELECT 1\"}", "result call_ct_1 sql 1 row False"], Tools(await host.EventsAsync(id)));
        Assert.Equal(Tools(imported.Events), Tools(await host.EventsAsync(id)));
    }
}
