using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Records_messages_response_model_usage_and_finish_reason(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "greet");

        var request = new List<ChatMessage> { new(ChatRole.System, "be brief"), new(ChatRole.User, "hello") };
        var text = streaming
            ? (await host.Chat.GetStreamingResponseAsync(request).ToChatResponseAsync()).Text
            : (await host.Chat.GetResponseAsync(request)).Text;
        await session.CompleteAsync();

        Assert.Equal("echo: hello", text);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.system", "message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("echo: hello", ((MessageEvent)events[2]).Text);
        var model = (ModelResponseEvent)events[3];
        Assert.Equal("fake-model-1", model.ModelId);
        Assert.Equal("stop", model.FinishReason);
        Assert.Equal(10, model.Usage.InputTokens);
        Assert.Equal(5, model.Usage.OutputTokens);
        Assert.Equal(2, model.Usage.CachedInputTokens);
        Assert.Equal(streaming, model.Streaming);
        Assert.True(model.Latency >= TimeSpan.Zero);
        var stored = await host.Store.GetSessionAsync(session.Id);
        Assert.Equal(15, stored!.Usage.TotalTokens);
    }

    [Fact]
    public async Task Records_each_message_once_across_turns_of_one_conversation()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.User, "one") };
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);
        history.Add(new ChatMessage(ChatRole.User, "two"));
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);

        // A host that rebuilds its history from storage sends equal but new message instances.
        var rebuilt = history.Select(m => new ChatMessage(m.Role, m.Text)).ToList();
        rebuilt.Add(new ChatMessage(ChatRole.User, "three"));
        await host.Chat.GetResponseAsync(rebuilt);
        await session.CompleteAsync();

        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["one", "echo: one", "two", "echo: two", "three", "echo: three"], texts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_append_only_conversation_is_recorded_exactly_once(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.System, "be brief") };
        for (var turn = 1; turn <= 3; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            var response = streaming
                ? await host.Chat.GetStreamingResponseAsync(history).ToChatResponseAsync()
                : await host.Chat.GetResponseAsync(history);
            history.AddRange(response.Messages);
        }

        await session.CompleteAsync();
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["be brief", "q1", "echo: q1", "q2", "echo: q2", "q3", "echo: q3"], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal(3, events.OfType<ModelResponseEvent>().Count());
    }

    [Fact]
    public async Task A_system_prompt_that_changes_every_turn_is_recorded_each_time_without_the_history_again()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage>();
        for (var turn = 1; turn <= 3; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            List<ChatMessage> sent = [new(ChatRole.System, $"You are helpful. Now: turn {turn}."), .. history];
            history.AddRange((await host.Chat.GetResponseAsync(sent)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(
            [
                "You are helpful. Now: turn 1.", "q1", "echo: q1",
                "You are helpful. Now: turn 2.", "q2", "echo: q2",
                "You are helpful. Now: turn 3.", "q3", "echo: q3",
            ],
            texts);
    }

    [Fact]
    public async Task A_system_prompt_sent_again_unchanged_is_recorded_once()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage>();
        for (var turn = 1; turn <= 3; turn++)
        {
            // A host that builds its system message anew for every call.
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            List<ChatMessage> sent = [new(ChatRole.System, "You are helpful."), .. history];
            history.AddRange((await host.Chat.GetResponseAsync(sent)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["You are helpful.", "q1", "echo: q1", "q2", "echo: q2", "q3", "echo: q3"], texts);
    }

    [Fact]
    public async Task A_sliding_window_history_records_each_message_once()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage>();
        for (var turn = 1; turn <= 5; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            List<ChatMessage> sent = [new(ChatRole.System, "be brief"), .. history.TakeLast(3)];
            history.AddRange((await host.Chat.GetResponseAsync(sent)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["be brief", "q1", "echo: q1", "q2", "echo: q2", "q3", "echo: q3", "q4", "echo: q4", "q5", "echo: q5"], texts);
    }

    [Fact]
    public async Task A_sliding_window_that_keeps_the_first_message_records_each_message_once()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.User, "task") };
        for (var turn = 1; turn <= 5; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            List<ChatMessage> sent = [history[0], .. history.Skip(1).TakeLast(3)];
            history.AddRange((await host.Chat.GetResponseAsync(sent)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["task", "q1", "echo: q1", "q2", "echo: q2", "q3", "echo: q3", "q4", "echo: q4", "q5", "echo: q5"], texts);
    }

    [Fact]
    public async Task One_message_that_happens_to_equal_another_conversations_last_hides_nothing_before_it()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        // A different conversation whose history holds a message equal to the first one's last ("echo: hi").
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "other"), new ChatMessage(ChatRole.Assistant, "echo: hi"), new ChatMessage(ChatRole.User, "next")]);

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["hi", "echo: hi", "other", "echo: hi", "next", "echo: next"], texts);
    }

    [Fact]
    public async Task Two_conversations_in_one_session_do_not_record_each_other_again()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var first = new List<ChatMessage>();
        var second = new List<ChatMessage>();
        for (var turn = 1; turn <= 2; turn++)
        {
            first.Add(new ChatMessage(ChatRole.User, "a" + turn));
            first.AddRange((await host.Chat.GetResponseAsync(first)).Messages);
            second.Add(new ChatMessage(ChatRole.User, "b" + turn));
            second.AddRange((await host.Chat.GetResponseAsync(second)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["a1", "echo: a1", "b1", "echo: b1", "a2", "echo: a2", "b2", "echo: b2"], texts);
    }

    [Fact]
    public async Task A_one_off_call_between_turns_does_not_make_the_conversation_look_new()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.User, "q1") };
        history.AddRange((await host.Chat.GetResponseAsync(history)).Messages);
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "Summarize nothing."), new ChatMessage(ChatRole.User, "ping")]);
        history.Add(new ChatMessage(ChatRole.User, "q2"));
        await host.Chat.GetResponseAsync(history);
        await session.CompleteAsync();

        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["q1", "echo: q1", "Summarize nothing.", "ping", "echo: ping", "q2", "echo: q2"], texts);
    }

    // Two conversations of one session that begin with the same user message (an agent and a judge both given the task,
    // two sub-agents given the same brief), taking turns. Each message must be recorded once.
    [Fact]
    public async Task Two_conversations_that_begin_with_the_same_message_do_not_record_each_other_again()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var first = new List<ChatMessage> { new(ChatRole.System, "agent"), new(ChatRole.User, "task") };
        var second = new List<ChatMessage> { new(ChatRole.System, "judge"), new(ChatRole.User, "task") };
        first.AddRange((await host.Chat.GetResponseAsync(first)).Messages);
        for (var turn = 1; turn <= 2; turn++)
        {
            second.Add(new ChatMessage(ChatRole.User, "b" + turn));
            second.AddRange((await host.Chat.GetResponseAsync(second)).Messages);
            first.Add(new ChatMessage(ChatRole.User, "a" + turn));
            first.AddRange((await host.Chat.GetResponseAsync(first)).Messages);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Equal(
            ["agent", "task", "echo: task", "judge", "b1", "echo: b1", "a1", "echo: a1", "b2", "echo: b2", "a2", "echo: a2"],
            texts);
    }
}
