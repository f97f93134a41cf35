using Microsoft.Extensions.AI;
using static Dreaming.Tests.OpenAIWireServer;

namespace Dreaming.Tests;

// A model's refusal over the wire: OpenAI's 'refusal' in place of the message's content.
public partial class OpenAIWireTests
{
    [Fact]
    public async Task A_refusal_is_recorded_as_the_assistants_message()
    {
        await using var server = new OpenAIWireServer()
            .Completion(new { role = "assistant", content = (string?)null, refusal = "I can't help with that." }, usage: Usage(30, 7))
            .Completion(new { role = "assistant", content = "Sure." }, usage: Usage(60, 2));
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "refused");

        var reply = await AskAsync(host, streaming: false, "hi");

        // Microsoft.Extensions.AI gives OpenAI's refusal as an ErrorContent, which ChatMessage.Text leaves out.
        var refusal = Assert.IsType<ErrorContent>(Assert.Single(Assert.Single(reply.Messages).Contents));
        Assert.Equal(("Refusal", ""), (refusal.ErrorCode, reply.Text));

        // The history sent again with the refusal in it records only the new turn.
        List<ChatMessage> history = [new(ChatRole.User, "hi"), .. reply.Messages, new(ChatRole.User, "please")];
        await host.Chat.GetResponseAsync(history).WaitAsync(Bound);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(
            ["message.user", "message.assistant", "model.response", "message.user", "message.assistant", "model.response"],
            events.Select(e => e.EventType));
        Assert.Equal(["hi", "I can't help with that.", "please", "Sure."], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal(37, ((ModelResponseEvent)events[2]).Usage!.TotalTokens);
    }

    [Fact]
    public async Task A_streamed_refusal_reaches_the_middleware_as_no_content_and_leaves_only_its_usage()
    {
        // Microsoft.Extensions.AI.OpenAI 10.11 keeps a streamed refusal only in each update's RawRepresentation (an
        // OpenAI type), so there is no text to record; should it start giving an ErrorContent, as for a completion, this
        // fails and the refusal is recorded as the assistant's message.
        await using var server = new OpenAIWireServer()
            .Stream([Chunk(new { role = "assistant", refusal = "I can't help " }), Chunk(new { refusal = "with that." }), Chunk(finishReason: "stop"), Chunk(usage: Usage(30, 7), noChoices: true)]);
        await using var host = Host(server);
        await using var session = host.Sessions.StartSession("agent", "refused");

        var reply = await AskAsync(host, streaming: true, "hi");
        await session.CompleteAsync();

        Assert.DoesNotContain(reply.Messages.SelectMany(m => m.Contents), c => c is TextContent or ErrorContent);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "model.response"], events.Select(e => e.EventType));
        Assert.Equal(("stop", 37L), (((ModelResponseEvent)events[1]).FinishReason, ((ModelResponseEvent)events[1]).Usage!.TotalTokens));
    }
}
