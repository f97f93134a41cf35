using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Dreaming.Tests;

// Which session a Semantic Kernel app's calls go to, the memory each call is given, and how failed and cancelled
// turns end their session.
public partial class SemanticKernelTracingTests
{
    private const string Lesson = "Look the order up before answering; never guess where a shipment is.";

    /// <summary>The memory is given to every model call once, after the app's system prompt (each tool round's too,
    /// as Semantic Kernel's function invocation resends the request), and never reaches the <see cref="ChatHistory"/>
    /// the app keeps, so the next turn does not carry it twice; it is not recorded as a message.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task The_memory_is_given_once_per_model_call_and_never_enters_the_chat_history(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out var model, dreamingOutside);
        await WireHost.ActivateLessonAsync(host, "support-bot", "ins-lookup", Lesson);
        var history = new ChatHistory(SystemPrompt);

        await using var session = host.Sessions.StartSession("support-bot", "check orders");
        await TurnAsync(host, history, "check order 42", streaming);
        await TurnAsync(host, history, "now order 43", streaming);
        await session.CompleteAsync();

        Assert.Equal(4, model.Requests.Count);
        Assert.All(model.Requests, request =>
        {
            Assert.Equal(SystemPrompt, request[0].Text);
            Assert.Contains(Lesson, request[1].Text, StringComparison.Ordinal);
            Assert.Single(request, m => m.Text.Contains(Lesson, StringComparison.Ordinal));
        });
        Assert.DoesNotContain(history, m => m.Content?.Contains(Lesson, StringComparison.Ordinal) == true);
        var events = await host.EventsAsync(session.Id);
        Assert.DoesNotContain(events.OfType<MessageEvent>(), m => m.Text.Contains(Lesson, StringComparison.Ordinal));
        Assert.Equal(["ins-lookup"], Assert.Single(events.OfType<InsightsInjectedEvent>()).InsightIds);
    }

    /// <summary>Without a session each call the middleware sees is a one-call session: outside Semantic Kernel's
    /// function invocation a turn, inside it each model round trip (a tool call in one session, its result in the
    /// next). Starting a session around the conversation makes it one session: the first theory's pattern.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Without_a_session_each_call_the_middleware_sees_is_a_one_call_session(bool dreamingOutside)
    {
        await using var host = Host(out _, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);

        await TurnAsync(host, history, "check order 42", streaming: false);
        await TurnAsync(host, history, "now order 43", streaming: false);
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var sessions = await AgentFrameworkTracingTests.SessionsAsync(host);
        Assert.Equal(dreamingOutside ? 2 : 4, sessions.Count);
        Assert.All(sessions, s => Assert.Equal("true", s.Metadata["dreaming.unscoped"]));
        Assert.All(sessions, s => Assert.Equal(SessionStatus.Completed, s.Status));
    }

    /// <summary>A model that fails, in the app's session ended as the docs show: the session is failed and holds the
    /// model's error; outside any session the one-call session is failed with it.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_model_error_fails_the_session_and_is_recorded(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out var model, dreamingOutside);
        model.Failure = new InvalidOperationException("the model is down");

        string sessionId;
        await using (var session = host.Sessions.StartSession("support-bot", "check order 42"))
        {
            sessionId = session.Id;
            try
            {
                await TurnAsync(host, new ChatHistory(SystemPrompt), "check order 42", streaming);
                Assert.Fail("the turn should have failed");
            }
            catch (InvalidOperationException)
            {
                await session.CompleteAsync(SessionStatus.Failed);
            }
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => TurnAsync(host, new ChatHistory(SystemPrompt), "check order 43", streaming));
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var sessions = await AgentFrameworkTracingTests.SessionsAsync(host);
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(SessionStatus.Failed, s.Status));
        foreach (var record in sessions)
        {
            var error = Assert.Single((await host.EventsAsync(record.Id)).OfType<ErrorEvent>());
            Assert.Equal("the model is down", error.Message);
            Assert.False(error.IsCancellation);
        }

        Assert.Contains(sessions, s => s.Id == sessionId);
    }

    /// <summary>A turn cancelled after its tool round (the model's answer never came): the tool call and its result are
    /// recorded (unless the turn is one call, not streamed, to a middleware outside the function invocation), then the
    /// cancellation; a session the app disposes without completing is abandoned, and so is the
    /// one-call session of the cancelled call outside any session.</summary>
    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_turn_cancelled_after_its_tool_round_records_the_round_and_abandons_the_session(bool dreamingOutside, bool streaming)
    {
        await using var host = Host(out var model, dreamingOutside);
        using var cancel = new CancellationTokenSource();
        model.BeforeAnswer = async token =>
        {
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
        };

        string sessionId;
        await using (var session = host.Sessions.StartSession("support-bot", "check order 42"))
        {
            sessionId = session.Id;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TurnAsync(host, new ChatHistory(SystemPrompt), "check order 42", streaming, cancel.Token));
        }

        using var unscoped = new CancellationTokenSource();
        model.BeforeAnswer = async token =>
        {
            await unscoped.CancelAsync();
            token.ThrowIfCancellationRequested();
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TurnAsync(host, new ChatHistory(SystemPrompt), "check order 43", streaming, unscoped.Token));
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);

        var sessions = await AgentFrameworkTracingTests.SessionsAsync(host);
        var own = Assert.Single(sessions, s => s.Id == sessionId);
        Assert.Equal(SessionStatus.Abandoned, own.Status);
        var events = await host.EventsAsync(own.Id);
        Assert.True(Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);

        // Not streamed and outside the function invocation, the tool round is thrown away with the cancellation before
        // the middleware sees it (tracing.md, 'What the middleware records'): put UseDreaming() inside to keep it.
        var roundKept = streaming || !dreamingOutside;
        Assert.Equal(roundKept ? ["call-42"] : [], events.OfType<ToolCallEvent>().Select(c => c.CallId));
        Assert.Equal(roundKept ? ["call-42"] : [], events.OfType<ToolResultEvent>().Select(c => c.CallId));

        // Outside any session: one session for the turn outside the function invocation; inside it, the tool round's
        // session completed and the cancelled answer's abandoned.
        // (Two sessions started within one clock tick have equal start times: told apart by status.)
        var oneCall = sessions.Where(s => s.Id != sessionId).ToList();
        Assert.Equal(
            dreamingOutside ? [SessionStatus.Abandoned] : new[] { SessionStatus.Completed, SessionStatus.Abandoned }.Order(),
            oneCall.Select(s => s.Status).Order());
        var cancelled = await host.EventsAsync(Assert.Single(oneCall, s => s.Status == SessionStatus.Abandoned).Id);
        Assert.True(Assert.Single(cancelled.OfType<ErrorEvent>()).IsCancellation);
        Assert.Equal(roundKept ? ["call-43"] : [], cancelled.OfType<ToolResultEvent>().Select(c => c.CallId));
    }
}

// A turn streamed to its caller from an async iterator (a web endpoint returning the IAsyncEnumerable of the answer's
// text).
public partial class SemanticKernelTracingTests
{
    /// <summary>A turn streamed through <see cref="AgentSessionStreamingExtensions.StreamInSessionAsync"/> records the
    /// whole turn in its session, whichever placement. Started by hand inside the iterator, with <c>UseDreaming()</c>
    /// inside Semantic Kernel's function invocation, the answer's model call, which starts only when the caller asks for
    /// the next update (outside the iterator's step that started the session), is a one-call session of its own,
    /// holding the tool's result.</summary>
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public async Task A_turn_streamed_from_an_iterator_in_a_session_is_one_session(bool dreamingOutside, bool streamInSession)
    {
        await using var host = Host(out _, dreamingOutside);
        var history = new ChatHistory(SystemPrompt);
        var kernel = host.Services.GetRequiredService<Microsoft.SemanticKernel.Kernel>();
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        const string Message = "check order 42";

        var text = new System.Text.StringBuilder();
        var stream = streamInSession
            ? host.Sessions.StreamInSessionAsync(
                new AgentSessionOptions { AgentId = "support-bot", Task = Message },
                (_, token) => TurnAsync(chat, kernel, history, Message, token))
            : StartedInsideAsync(host, chat, kernel, history, Message);
        await foreach (var part in stream)
        {
            text.Append(part);
        }

        Assert.Equal("order 42: shipped", text.ToString());
        await host.Services.GetRequiredService<TraceWriter>().FlushAsync(CancellationToken.None);
        var sessions = await AgentFrameworkTracingTests.SessionsAsync(host);
        var record = Assert.Single(sessions, s => s.AgentId == "support-bot");
        Assert.Equal(SessionStatus.Completed, record.Status);
        var events = await host.EventsAsync(record.Id);
        Assert.Equal("call-42", Assert.Single(events.OfType<ToolCallEvent>()).CallId);
        var split = !dreamingOutside && !streamInSession;
        Assert.Equal(split ? [] : ["call-42"], events.OfType<ToolResultEvent>().Select(r => r.CallId));
        Assert.Equal(split ? 0 : 1, events.OfType<MessageEvent>().Count(m => m.Role == "assistant" && m.Text == "order 42: shipped"));
        Assert.Equal(split ? 2 : 1, sessions.Count);
    }

    private static async IAsyncEnumerable<string> TurnAsync(IChatCompletionService chat, Microsoft.SemanticKernel.Kernel kernel, ChatHistory history, string message, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        history.AddUserMessage(message);
        await foreach (var update in chat.GetStreamingChatMessageContentsAsync(history, Auto, kernel, cancellationToken))
        {
            yield return update.Content ?? string.Empty;
        }
    }

    private static async IAsyncEnumerable<string> StartedInsideAsync(TracingHost host, IChatCompletionService chat, Microsoft.SemanticKernel.Kernel kernel, ChatHistory history, string message)
    {
        await using var session = host.Sessions.StartSession("support-bot", message);
        await foreach (var part in TurnAsync(chat, kernel, history, message))
        {
            yield return part;
        }

        await session.CompleteAsync();
    }
}
