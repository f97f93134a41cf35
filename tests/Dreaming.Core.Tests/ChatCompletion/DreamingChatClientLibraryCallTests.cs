using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>The library's own model calls (<see cref="LibraryModelCall"/>) pass through <see cref="DreamingChatClient"/> untouched.</summary>
public class DreamingChatClientLibraryCallTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_library_call_in_a_session_is_passed_through_unrecorded_and_unchanged(bool streaming)
    {
        var received = new List<List<ChatMessage>>();
        await using var host = TracingHost.Create(Recording(received));
        await using var session = host.Sessions.StartSession("agent", "task");
        List<ChatMessage> request = [new(ChatRole.System, "grade"), new(ChatRole.User, "the work")];

        string text;
        using (LibraryModelCall.Enter())
        {
            text = streaming
                ? (await host.Chat.GetStreamingResponseAsync(request).ToChatResponseAsync()).Text
                : (await host.Chat.GetResponseAsync(request)).Text;
        }

        await session.CompleteAsync();
        Assert.Equal("echo: the work", text);
        Assert.Same(request[0], Assert.Single(received)[0]);
        Assert.Empty(await host.EventsAsync(session.Id));
        Assert.Equal(0, (await host.Store.GetSessionAsync(session.Id))!.Usage.ModelCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_library_call_outside_any_session_starts_no_one_call_session(bool streaming)
    {
        await using var host = TracingHost.Create(Recording([]), options: o => o.UnscopedCalls = UnscopedCallHandling.RecordAsSession);

        using (LibraryModelCall.Enter())
        {
            _ = streaming
                ? await host.Chat.GetStreamingResponseAsync("hello").ToChatResponseAsync()
                : await host.Chat.GetResponseAsync("hello");
        }

        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task The_mark_ends_with_the_library_call_and_never_reaches_its_caller()
    {
        await using var host = TracingHost.Create(Recording([]));
        await using var session = host.Sessions.StartSession("agent", "task");

        // As the grader does it: the scope is entered inside an async method the caller awaits.
        await GradeAsync(host.Chat);
        Assert.False(LibraryModelCall.IsActive);
        await host.Chat.GetResponseAsync("the agent's turn");
        await session.CompleteAsync();

        var events = await host.EventsAsync(session.Id);
        Assert.Equal(["message.user", "message.assistant", "model.response"], events.Select(e => e.EventType));
        Assert.Equal("the agent's turn", ((MessageEvent)events[0]).Text);

        static async Task GradeAsync(IChatClient chat)
        {
            using var call = LibraryModelCall.Enter();
            await Task.Yield();
            await chat.GetResponseAsync("grade this");
        }
    }

    [Fact]
    public async Task An_agent_call_made_while_a_library_call_is_in_flight_elsewhere_is_recorded()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = async (messages, _, _) =>
            {
                var last = messages.Last().Text;
                if (last == "grade this")
                {
                    await release.Task;
                }

                return new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + last));
            },
        };
        await using var host = TracingHost.Create(inner);
        await using var session = host.Sessions.StartSession("agent", "task");

        // The grader's call stays open (its scope too) while the agent calls the same pipeline.
        var grading = GradeAsync(host.Chat);
        Assert.False(grading.IsCompleted);
        Assert.False(LibraryModelCall.IsActive);
        var agent = await host.Chat.GetResponseAsync("the agent's turn");
        release.SetResult();
        await grading;
        await session.CompleteAsync();

        Assert.Equal("echo: the agent's turn", agent.Text);
        var messages = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Equal(["the agent's turn", "echo: the agent's turn"], messages);

        static async Task<ChatResponse> GradeAsync(IChatClient chat)
        {
            using var call = LibraryModelCall.Enter();
            return await chat.GetResponseAsync("grade this");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_library_call_with_null_messages_throws_ArgumentNullException_as_any_other_call_does(bool streaming)
    {
        // The inner client ignores its messages: the middleware itself must refuse null, in a library call too.
        var inner = new FakeChatClient
        {
            GetResponseAsyncCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))),
        };
        await using var host = TracingHost.Create(inner);

        using var call = LibraryModelCall.Enter();
        var thrown = await Assert.ThrowsAsync<ArgumentNullException>(async () =>
        {
            if (streaming)
            {
                await foreach (var update in host.Chat.GetStreamingResponseAsync((IEnumerable<ChatMessage>)null!))
                {
                    _ = update;
                }
            }
            else
            {
                await host.Chat.GetResponseAsync((IEnumerable<ChatMessage>)null!);
            }
        });
        Assert.Equal("messages", thrown.ParamName);
    }

    [Fact]
    public async Task A_flow_started_inside_a_library_call_is_recorded_once_the_call_has_ended_whatever_is_in_flight_elsewhere()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holdOther = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = TracingHost.Create(Recording([]));
        await using var session = host.Sessions.StartSession("agent", "task");

        // A flow forked inside a library call makes its call only after that call's scope was disposed, while another
        // library call (an unrelated flow's) is open: the mark is gone, as it would be with nothing else in flight.
        var forked = ForkInsideLibraryCall(host.Chat, release.Task);
        var other = HoldLibraryCallAsync(holdOther.Task);
        release.SetResult();
        await forked;
        holdOther.SetResult();
        await other;
        await session.CompleteAsync();

        var messages = (await host.EventsAsync(session.Id)).OfType<MessageEvent>().Select(m => m.Text).ToList();
        Assert.Equal(["after the call", "echo: after the call"], messages);

        static Task ForkInsideLibraryCall(IChatClient chat, Task gate)
        {
            using var call = LibraryModelCall.Enter();
            return Task.Run(async () =>
            {
                await gate;
                await chat.GetResponseAsync("after the call");
            });
        }

        static async Task HoldLibraryCallAsync(Task gate)
        {
            using var call = LibraryModelCall.Enter();
            await gate;
        }
    }

    [Fact]
    public void Disposing_a_scope_twice_closes_it_once()
    {
        var outer = LibraryModelCall.Enter();
        var inner = LibraryModelCall.Enter();
        inner.Dispose();
        inner.Dispose();
        Assert.True(LibraryModelCall.IsActive);
        outer.Dispose();
        Assert.False(LibraryModelCall.IsActive);
    }

    private static FakeChatClient Recording(List<List<ChatMessage>> received) => new()
    {
        GetResponseAsyncCallback = (messages, _, _) =>
        {
            var list = messages.ToList();
            lock (received)
            {
                received.Add(list);
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "echo: " + list.Last(m => m.Role == ChatRole.User).Text))
            {
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            });
        },
    };
}
