using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public partial class DreamingChatClientTests
{
    // Two concurrent calls of one session that share their history (parallel sub-agents), then each continues.
    [Fact]
    public async Task Concurrent_calls_that_share_a_history_record_each_message_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, _) =>
            {
                var last = messages.Last().Text;
                if (Interlocked.Increment(ref arrived) == 2)
                {
                    gate.TrySetResult();
                }

                await gate.Task;
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + last));
            },
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "chat");
        var shared = new List<ChatMessage> { new(ChatRole.User, "brief") };
        List<ChatMessage> a = [.. shared, new(ChatRole.User, "A1")];
        List<ChatMessage> b = [.. shared, new(ChatRole.User, "B1")];
        var responses = await Task.WhenAll(host.Chat.GetResponseAsync(a), host.Chat.GetResponseAsync(b));
        a.AddRange(responses[0].Messages);
        b.AddRange(responses[1].Messages);
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        a.Add(new ChatMessage(ChatRole.User, "A2"));
        await host.Chat.GetResponseAsync(a);
        await session.CompleteAsync();

        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        // Each message once, in whatever order the two concurrent calls were queued.
        Assert.Equal(["A1", "A2", "B1", "brief", "echo: A1", "echo: A2", "echo: B1"], texts.Order(StringComparer.Ordinal));
    }

    // The same history sent twice at once (two samples to choose from): the host goes on with the second answer.
    [Fact]
    public async Task Concurrent_calls_with_the_same_history_each_go_on_from_their_own_response()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, _) =>
            {
                var call = Interlocked.Increment(ref arrived);
                if (call == 2)
                {
                    gate.TrySetResult();
                }

                await gate.Task;
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, $"answer {call} to {messages.Last().Text}"));
            },
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "chat");
        List<ChatMessage> sent = [new(ChatRole.User, "q1")];
        var responses = await Task.WhenAll(host.Chat.GetResponseAsync([.. sent]), host.Chat.GetResponseAsync([.. sent]));
        foreach (var chosen in responses)
        {
            await host.Chat.GetResponseAsync([.. sent, .. chosen.Messages, new(ChatRole.User, "q2 after " + chosen.Text)]);
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Single(texts, "q1");
        Assert.Single(texts, "answer 1 to q1");
        Assert.Single(texts, "answer 2 to q1");
        Assert.Equal(2, texts.Count(t => t.StartsWith("q2 after ", StringComparison.Ordinal)));
        Assert.Equal(7, texts.Count);
    }

    // A host that rebuilds its history from storage keeping role and text: a reasoning model's answer also carried
    // reasoning content, which is not part of a message's identity.
    [Fact]
    public async Task A_history_rebuilt_from_role_and_text_after_a_reasoning_answer_is_not_recorded_again()
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) => Task.FromResult(new ChatResponse(
                new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("thinking"), new TextContent("answer to " + messages.Last().Text)]))),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "chat");
        var stored = new List<(ChatRole Role, string Text)>();
        for (var t = 1; t <= 3; t++)
        {
            stored.Add((ChatRole.User, "q" + t));
            var rebuilt = stored.Select(s => new ChatMessage(s.Role, s.Text)).ToList();
            var response = await host.Chat.GetResponseAsync(rebuilt);
            stored.Add((ChatRole.Assistant, response.Text));
        }

        await session.CompleteAsync();
        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Equal(["q1", "answer to q1", "q2", "answer to q2", "q3", "answer to q3"], texts);
    }

    // A stateless host sending one message per call (no ConversationId): the same instruction with a different image.
    [Fact]
    public async Task A_new_message_differing_only_in_its_image_is_recorded()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("describe"), new DataContent(new byte[] { 1 }, "image/png")])]);
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("describe"), new DataContent(new byte[] { 2 }, "image/png")])]);
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(2, events.OfType<MessageEvent>().Count(m => m.Role == "user"));
    }

    [Fact]
    public async Task A_history_rebuilt_from_storage_with_the_same_image_is_not_recorded_again()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        byte[] image = [1, 2, 3];
        var response = await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new TextContent("describe"), new DataContent(image, "image/png")])]);

        // The image read back from storage: equal bytes in a new array.
        List<ChatMessage> rebuilt =
        [
            new(ChatRole.User, [new TextContent("describe"), new DataContent(image.ToArray(), "image/png")]),
            new(ChatRole.Assistant, response.Text),
            new(ChatRole.User, "and now?"),
        ];
        await host.Chat.GetResponseAsync(rebuilt);
        await session.CompleteAsync();

        var texts = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text);
        Assert.Equal(["describe\n[attachment: image/png, 3 bytes]", "echo: describe", "and now?", "echo: and now?"], texts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_a_server_side_conversation_every_message_sent_is_new(bool streaming)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "loop");
        var options = new ChatOptions { ConversationId = "conv_1" };
        for (var turn = 1; turn <= 2; turn++)
        {
            // The service holds the history, so only the new message is sent: the same text twice is two turns.
            List<ChatMessage> sent = [new(ChatRole.User, "continue")];
            _ = streaming
                ? await host.Chat.GetStreamingResponseAsync(sent, options).ToChatResponseAsync()
                : await host.Chat.GetResponseAsync(sent, options);
        }

        await session.CompleteAsync();
        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["continue", "echo: continue", "continue", "echo: continue"], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.Equal(2, events.OfType<ModelResponseEvent>().Count());
    }
}
