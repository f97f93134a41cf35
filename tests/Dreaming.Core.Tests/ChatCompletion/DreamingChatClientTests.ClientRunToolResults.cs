using Microsoft.Extensions.AI;

#pragma warning disable MEAI001 // The hosted tools' contents are [Experimental] in Microsoft.Extensions.AI 10.11.

namespace Dreaming.Tests;

// A tool the client runs other than a function (computer use: the Responses API's computer_call, which
// Microsoft.Extensions.AI.OpenAI 10.11 gives as the base ToolCallContent): its call comes in a response, and the app sends
// its result back in the next request. That result recorded a second call of the same id, as a response's result without
// its call does.
public partial class DreamingChatClientTests
{
    [Fact]
    public async Task A_client_run_tools_result_sent_back_in_a_request_is_its_result_not_a_second_call()
    {
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(messages.Any(m => m.Contents.Any(c => c is ComputerResult))
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, "Saved."))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, [new ComputerCall("call_cu_1") { RawRepresentation = new ComputerCallResponseItem() }]))),
        };
        await using var host = TracingHost.Create(model, b => b.UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "save it");
        List<ChatMessage> conversation = [new(ChatRole.User, "Click Save.")];
        var first = await host.Chat.GetResponseAsync(conversation).WaitAsync(TimeSpan.FromSeconds(30));
        conversation.AddRange(first.Messages);
        conversation.Add(new ChatMessage(ChatRole.User, [new ComputerResult("call_cu_1") { RawRepresentation = new ComputerCallOutputResponseItem() }]));
        await host.Chat.GetResponseAsync(conversation).WaitAsync(TimeSpan.FromSeconds(30));
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            ["message.user", "tool.call call_cu_1 computer", "tool.result call_cu_1 computer", "message.assistant"],
            events.Where(e => e is not ModelResponseEvent).Select(e => e switch
            {
                ToolCallEvent c => $"{c.EventType} {c.CallId} {c.ToolName}",
                ToolResultEvent r => $"{r.EventType} {r.CallId} {r.ToolName}",
                _ => e.EventType,
            }));
    }

    // Stand-ins of the OpenAI SDK's items (a hosted tool's name comes from its item's type) and of the base contents.
    private sealed class ComputerCallResponseItem;

    private sealed class ComputerCallOutputResponseItem;

    private sealed class ComputerCall(string callId) : ToolCallContent(callId);

    private sealed class ComputerResult(string callId) : ToolResultContent(callId);
}
