using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class DreamingChatClientTests
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
        Assert.Equal(["describe", "echo: describe", "and now?", "echo: and now?"], texts);
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exceptions_are_recorded_then_rethrown(bool streaming)
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => throw new InvalidOperationException("provider exploded"),
            GetStreamingResponseAsyncCallback = (_, _, _) => Throwing(),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            if (streaming)
            {
                await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi"))
                {
                }
            }
            else
            {
                await host.Chat.GetResponseAsync("hi");
            }
        });
        Assert.Equal("provider exploded", ex.Message);
        await session.CompleteAsync(SessionStatus.Failed);

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.Equal(typeof(InvalidOperationException).FullName, error.ErrorType);
        Assert.Equal("provider exploded", error.Message);
        Assert.False(error.IsCancellation);
        Assert.Equal(streaming ? "chat.stream" : "chat", error.Operation);

        static async IAsyncEnumerable<ChatResponseUpdate> Throwing()
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "partial");
            await Task.Yield();
            throw new InvalidOperationException("provider exploded");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancellation_is_recorded_as_cancellation(bool streaming)
    {
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (_, _, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new ChatResponse();
            },
            GetStreamingResponseAsyncCallback = (_, _, ct) => Hanging(ct),
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            if (streaming)
            {
                await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
                {
                }
            }
            else
            {
                await host.Chat.GetResponseAsync("hi", cancellationToken: cts.Token);
            }
        });
        await session.CompleteAsync();

        var error = Assert.Single((await host.EventsAsync(session.Id)).OfType<ErrorEvent>());
        Assert.True(error.IsCancellation);

        static async IAsyncEnumerable<ChatResponseUpdate> Hanging([EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            yield break;
        }
    }

    [Fact]
    public async Task A_stream_the_consumer_stops_early_still_records_what_was_received()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await foreach (var _ in host.Chat.GetStreamingResponseAsync("hello"))
        {
            break;
        }

        await session.CompleteAsync();
        Assert.Single((await host.EventsAsync(session.Id)).OfType<ModelResponseEvent>());
    }

    [Fact]
    public async Task A_stream_that_fails_after_a_tool_round_records_the_tool_call_and_result_then_the_error()
    {
        var refunded = 0;
        var tool = AIFunctionFactory.Create((string id) => { refunded++; return "refunded " + id; }, "refund");
        var inner = new FakeChatClient
        {
            GetStreamingResponseAsyncCallback = (messages, _, _) => Stream(messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any())),
        };
        await using var host = TracingHost.Create(inner, pipeline: b => b.UseDreaming().UseFunctionInvocation());
        await using var session = host.Sessions.StartSession("agent", "refund");

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("refund 42", new ChatOptions { Tools = [tool] }))
            {
            }
        });
        await session.CompleteAsync(SessionStatus.Failed);

        Assert.Equal(1, refunded);
        var events = await host.EventsAsync(session.Id);
        Assert.Equal([EventTypes.MessagePrefix + "user", EventTypes.ToolCall, EventTypes.ToolResult, EventTypes.Error], events.Select(e => e.EventType));
        Assert.Equal("refunded 42", events.OfType<ToolResultEvent>().Single().Result);
        Assert.Equal("connection reset", events.OfType<ErrorEvent>().Single().Message);

        static async IAsyncEnumerable<ChatResponseUpdate> Stream(bool secondRound)
        {
            await Task.Yield();
            if (secondRound)
            {
                throw new HttpRequestException("connection reset");
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["id"] = "42" })]) { MessageId = "m1" };
        }
    }

    [Fact]
    public async Task A_stream_cancelled_midway_records_the_text_received_then_the_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var inner = new FakeChatClient { GetStreamingResponseAsyncCallback = (_, _, ct) => Stream(ct) };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi", cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        });
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["hi", "Hello "], events.OfType<MessageEvent>().Select(m => m.Text));
        Assert.True(Assert.IsType<ErrorEvent>(events[^1]).IsCancellation);

        static async IAsyncEnumerable<ChatResponseUpdate> Stream([EnumeratorCancellation] CancellationToken ct)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, "Hello ");
            await Task.Delay(Timeout.Infinite, ct);
            yield return new ChatResponseUpdate(ChatRole.Assistant, "world");
        }
    }

    [Fact]
    public async Task Unscoped_calls_become_one_call_sessions_by_default()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.AgentId = "support-bot");
        await host.Chat.GetResponseAsync("where is my order?");
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var page = await host.Store.QuerySessionsAsync(new SessionQuery());
        var session = Assert.Single(page.Items);
        Assert.Equal("support-bot", session.AgentId);
        Assert.Equal("where is my order?", session.Task);
        Assert.Equal(SessionStatus.Completed, session.Status);
        Assert.Equal("true", session.Metadata["dreaming.unscoped"]);
        Assert.Equal(3, session.EventCount);
    }

    [Fact]
    public async Task Unscoped_calls_that_fail_end_their_session_as_failed()
    {
        var inner = new FakeChatClient { GetResponseAsyncCallback = (_, _, _) => throw new TimeoutException("slow") };
        await using var host = TracingHost.Create(inner);
        await Assert.ThrowsAsync<TimeoutException>(() => host.Chat.GetResponseAsync("hi"));

        var session = Assert.Single((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Equal(SessionStatus.Failed, session.Status);
    }

    [Fact]
    public async Task Unscoped_calls_are_not_recorded_when_ignored()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.UnscopedCalls = UnscopedCallHandling.Ignore);
        var response = await host.Chat.GetResponseAsync("hi");
        await foreach (var _ in host.Chat.GetStreamingResponseAsync("hi"))
        {
        }

        Assert.Equal("echo: hi", response.Text);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task Calls_after_the_session_ended_do_not_fail_the_host()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.UnscopedCalls = UnscopedCallHandling.Ignore);
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.CompleteAsync();

        var response = await host.Chat.GetResponseAsync("still there?");
        Assert.Equal("echo: still there?", response.Text);
        Assert.Empty(await host.EventsAsync(session.Id));
    }

    [Fact]
    public void UseDreaming_without_AddDreamingAgents_names_the_missing_registration()
    {
        var services = new ServiceCollection();
        services.AddChatClient(FakeChatClient.Echo()).UseDreaming();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("AddDreamingAgents", ex.Message, StringComparison.Ordinal);
    }

    // An output guardrail checks each answer on its own, through the same pipeline, between turns.
    [Fact]
    public async Task A_guardrail_call_on_the_last_answer_leaves_the_next_turn_recording_only_what_is_new()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "chat");
        var history = new List<ChatMessage> { new(ChatRole.System, "assistant") };
        for (var turn = 1; turn <= 3; turn++)
        {
            history.Add(new ChatMessage(ChatRole.User, "q" + turn));
            var response = await host.Chat.GetResponseAsync(history);
            history.AddRange(response.Messages);
            await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "You check answers."), response.Messages[^1], new ChatMessage(ChatRole.User, "Is the answer above safe?")]);
        }

        await session.CompleteAsync();
        var users = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Where(m => m.EventType == "message.user").Select(m => m.Text);
        Assert.Equal(["q1", "Is the answer above safe?", "q2", "Is the answer above safe?", "q3", "Is the answer above safe?"], users);
    }

    // An agent with a tool (UseFunctionInvocation outside UseDreaming) and a judge given the same task run concurrently.
    [Fact]
    public async Task A_judge_in_flight_with_the_agents_task_leaves_the_agents_tool_round_recording_only_what_is_new()
    {
        var toolStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var judgeArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseJudge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, _) =>
            {
                var list = messages.ToList();
                if (list[0].Text == "judge")
                {
                    judgeArrived.TrySetResult();
                    await releaseJudge.Task;
                    return new ChatResponse(new ChatMessage(ChatRole.Assistant, "score 5"));
                }

                var results = list.Count(m => m.Role == ChatRole.Tool);
                return results < 2
                    ? new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c" + results, "lookup")]))
                    : new ChatResponse(new ChatMessage(ChatRole.Assistant, "done"));
            },
        };
        await using var host = TracingHost.Create(inner, b => b.UseFunctionInvocation().UseDreaming());
        await using var session = host.Sessions.StartSession("agent", "task");
        var options = new ChatOptions
        {
            Tools = [AIFunctionFactory.Create(async () => { toolStarted.TrySetResult(); await judgeArrived.Task; return "42"; }, "lookup")],
        };
        var judge = Task.Run(async () =>
        {
            await toolStarted.Task;
            return await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "judge"), new ChatMessage(ChatRole.User, "task")]);
        });
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.System, "agent"), new ChatMessage(ChatRole.User, "task")], options);
        releaseJudge.TrySetResult();
        await judge;
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["c0", "c1"], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(["c0", "c1"], events.OfType<ToolResultEvent>().Select(c => c.CallId));
    }
}
