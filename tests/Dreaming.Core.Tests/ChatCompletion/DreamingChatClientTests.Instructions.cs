using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    // ChatOptions.Instructions is how Microsoft Agent Framework's ChatClientAgent (and other hosts) give a model its
    // system prompt: it is recorded as the system message it is, once, as system messages are.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Instructions_in_the_options_are_recorded_once_as_a_system_message(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        var options = new ChatOptions { Instructions = "You look up orders." };
        var history = new List<ChatMessage>();
        foreach (var question in new[] { "where is 42?", "and 43?" })
        {
            history.Add(new ChatMessage(ChatRole.User, question));
            var response = streaming
                ? await host.Chat.GetStreamingResponseAsync(history, options).ToChatResponseAsync()
                : await host.Chat.GetResponseAsync(history, options);
            history.AddRange(response.Messages);
        }

        // The same text built anew (another options instance, a string that is not the same instance) is the same prompt.
        history.Add(new ChatMessage(ChatRole.User, "thanks"));
        await host.Chat.GetResponseAsync(history, new ChatOptions { Instructions = string.Concat("You look up ", "orders.") });
        await session.CompleteAsync();

        var messages = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().ToList();
        Assert.Equal(
            ["system: You look up orders.", "user: where is 42?", "assistant: echo: where is 42?", "user: and 43?", "assistant: echo: and 43?", "user: thanks", "assistant: echo: thanks"],
            messages.Select(m => m.Role + ": " + m.Text));
    }

    [Fact]
    public async Task Instructions_are_recorded_again_when_they_change_and_not_beside_an_equal_system_message()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");

        await host.Chat.GetResponseAsync([new(ChatRole.System, "Be brief."), new(ChatRole.User, "one")], new ChatOptions { Instructions = "Be brief." });
        await host.Chat.GetResponseAsync([new(ChatRole.User, "two")], new ChatOptions { Instructions = "Now: turn 2." });
        await host.Chat.GetResponseAsync([new(ChatRole.User, "three")], new ChatOptions { Instructions = "Be brief." });
        await session.CompleteAsync();

        var system = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Where(m => m.Role == "system").Select(m => m.Text);
        Assert.Equal(["Be brief.", "Now: turn 2."], system);
    }

    [Fact]
    public async Task Instructions_used_on_every_call_are_not_forgotten_behind_a_system_message_that_changes_every_turn()
    {
        // An agent's constant instructions beside a per-turn system message (today's context): more distinct system
        // messages than are remembered come and go, but the instructions, matched on every call, stay remembered.
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        var options = new ChatOptions { Instructions = "You look up orders." };
        var turns = TranscriptTracker.MaxSystemMessages + 3;
        for (var turn = 0; turn < turns; turn++)
        {
            await host.Chat.GetResponseAsync([new(ChatRole.System, $"Context of turn {turn}."), new(ChatRole.User, $"question {turn}")], options);
        }

        await session.CompleteAsync();

        var system = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Where(m => m.Role == "system").Select(m => m.Text).ToList();
        Assert.Single(system, "You look up orders.");
        Assert.Equal(turns + 1, system.Count);
    }

    [Fact]
    public async Task A_system_message_sent_on_every_call_is_not_forgotten_behind_instructions_that_change_every_turn()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        var prompt = new ChatMessage(ChatRole.System, "You look up orders.");
        var turns = TranscriptTracker.MaxSystemMessages + 3;
        for (var turn = 0; turn < turns; turn++)
        {
            await host.Chat.GetResponseAsync([prompt, new(ChatRole.User, $"question {turn}")], new ChatOptions { Instructions = $"Context of turn {turn}." });
        }

        await session.CompleteAsync();

        var system = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Where(m => m.Role == "system").Select(m => m.Text).ToList();
        Assert.Single(system, "You look up orders.");
        Assert.Equal(turns + 1, system.Count);
    }
}
