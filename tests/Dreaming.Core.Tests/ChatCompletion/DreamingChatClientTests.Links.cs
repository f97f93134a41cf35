using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

// Links in a history sent again: matched as the note records them, without the query a host signs anew each turn.
public partial class DreamingChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_link_sent_again_signed_anew_is_not_recorded_again(bool imageAlone)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        ChatMessage Describe(string signature) => new(ChatRole.User, imageAlone
            ? [new UriContent("https://blob.example.com/img/cat.png?sig=" + signature, "image/png")]
            : [new TextContent("describe"), new UriContent("https://blob.example.com/img/cat.png?sig=" + signature, "image/png")]);

        List<ChatMessage> history = [Describe("FIRST")];
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);

        // The next turn: the host rebuilds the history from its own storage and signs the link anew, as a blob store's
        // short-lived read link (SAS, presigned URL) is.
        history[0] = Describe("SECOND");
        history.Add(new ChatMessage(ChatRole.User, "and now?"));
        await host.Chat.GetResponseAsync(history);
        await session.CompleteAsync();

        var note = "[attachment: image/png, https://blob.example.com/img/cat.png]";
        var first = imageAlone ? note : "describe\n" + note;
        Assert.Equal(
            [first, imageAlone ? "echo: " : "echo: describe", "and now?", "echo: and now?"],
            (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text));
    }

    [Fact]
    public async Task Links_to_different_files_are_different_messages()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        List<ChatMessage> history = [new(ChatRole.User, [new UriContent("https://blob.example.com/img/cat.png?sig=A", "image/png")])];
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);

        // The first message replaced by another file: a new conversation, recorded.
        history[0] = new ChatMessage(ChatRole.User, [new UriContent("https://blob.example.com/img/dog.png?sig=A", "image/png")]);
        await host.Chat.GetResponseAsync(history);
        await session.CompleteAsync();

        Assert.Equal(
            ["[attachment: image/png, https://blob.example.com/img/cat.png]", "echo: ", "[attachment: image/png, https://blob.example.com/img/dog.png]", "echo: ", "echo: "],
            (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text));
    }
}
