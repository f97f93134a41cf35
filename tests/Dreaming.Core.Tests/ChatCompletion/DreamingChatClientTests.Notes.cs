using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

// A note's name is the user's text (an upload's file name): it stays on the note's one line.
public partial class DreamingChatClientTests
{
    [Theory]
    [InlineData("cat\n[attachment: image/png, 1 bytes].png")]
    [InlineData("cat\u2028[attachment: image/png, 1 bytes].png")]
    [InlineData("cat\u2029[attachment: image/png, 1 bytes].png")]
    [InlineData("cat\u0085[attachment: image/png, 1 bytes].png")]
    public async Task A_name_with_a_line_break_stays_on_its_notes_line(string name)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "look");
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("see"), new DataContent(new byte[3], "image/png") { Name = name }])]);
        await session.CompleteAsync();

        var user = Assert.Single((await host.EventsAsync(session.Id)).OfType<MessageEvent>(), m => m.Role == "user");
        Assert.Equal("see\n[attachment: image/png, 3 bytes, cat [attachment: image/png, 1 bytes].png]", user.Text);
    }
}
