using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dreaming.AspNetCore.Tests;

/// <summary>Answers streamed to the browser as server-sent events, and the browser going away mid-answer.</summary>
public sealed class StreamingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_sse_endpoint_streaming_in_a_session_records_every_call_in_it_also_after_it_has_yielded()
    {
        var model = new ScriptedModel();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapGet("/sse/{user}", (string user, IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
                TypedResults.ServerSentEvents(sessions.StreamInSessionAsync(
                    new AgentSessionOptions { AgentId = "web", Task = "help " + user },
                    (session, token) => TwoTurnsAsync(session, chat, token),
                    ct))));

        var lines = await ReadEventsAsync(web.Client, "/sse/u1", stopAfter: int.MaxValue);
        var id = lines[0]["session ".Length..];

        var store = web.Services.GetRequiredService<ITraceStore>();
        var record = await store.GetSessionAsync(id);
        Assert.Equal(SessionStatus.Completed, record!.Status);
        var texts = (await store.GetEventsAsync(id)).OfType<MessageEvent>().Select(m => $"{m.Role}:{m.Text}").ToArray();
        Assert.Equal(["user:q1", "assistant:answer: q1 1 2", "user:q2", "assistant:answer: q2 1 2"], texts);
        Assert.Equal(2, record.Usage.ModelCalls);
        Assert.Single((await store.QuerySessionsAsync(new SessionQuery())).Items);
        Assert.Empty(web.Log.Problems());
    }

    [Fact]
    public async Task A_streamed_answer_with_tool_rounds_under_function_invocation_outside_the_middleware_stays_in_its_session()
    {
        var model = new ScriptedModel
        {
            Reply = messages => messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().FirstOrDefault() is { } result
                ? new ChatMessage(ChatRole.Assistant, $"found: {result.Result}")
                : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "find_order", new Dictionary<string, object?> { ["id"] = "W1" })]),
        };
        var find = AIFunctionFactory.Create((string id) => $"{id} shipped", "find_order");
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseFunctionInvocation().UseDreaming();
            },
            app => app.MapGet("/sse", (IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
                TypedResults.ServerSentEvents(sessions.StreamInSessionAsync(
                    new AgentSessionOptions { AgentId = "web", Task = "where is W1" },
                    (session, token) => AnswerAsync(session, chat, token),
                    ct))));

        var id = (await ReadEventsAsync(web.Client, "/sse", stopAfter: int.MaxValue))[0]["session ".Length..];

        var store = web.Services.GetRequiredService<ITraceStore>();
        var events = await store.GetEventsAsync(id);
        Assert.Single(events.OfType<ToolCallEvent>());
        Assert.Equal("W1 shipped", Assert.Single(events.OfType<ToolResultEvent>()).Result);
        Assert.Equal(2, events.OfType<ModelResponseEvent>().Count());
        Assert.Contains(events.OfType<MessageEvent>(), m => m.Text.StartsWith("found: W1 shipped", StringComparison.Ordinal));
        Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync(id))!.Status);
        Assert.Single((await store.QuerySessionsAsync(new SessionQuery())).Items);

        async IAsyncEnumerable<string> AnswerAsync(IAgentSession session, IChatClient client, [EnumeratorCancellation] CancellationToken token)
        {
            yield return "session " + session.Id;
            await foreach (var update in client.GetStreamingResponseAsync("where is W1", new ChatOptions { Tools = [find] }, token))
            {
                yield return update.Text;
            }
        }
    }

    [Fact]
    public async Task An_sse_iterator_that_starts_its_own_session_loses_it_at_its_first_yield_as_aspnetcore_md_warns()
    {
        var model = new ScriptedModel();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapGet("/sse", (IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
                TypedResults.ServerSentEvents(OwnSessionAsync(sessions, chat, ct))));

        var lines = await ReadEventsAsync(web.Client, "/sse", stopAfter: int.MaxValue);
        var id = lines[0]["session ".Length..];

        // The session holds none of the calls; each is a one-call session of its own.
        var store = web.Services.GetRequiredService<ITraceStore>();
        Assert.Empty((await store.GetEventsAsync(id)).OfType<MessageEvent>());
        var sessions = (await store.QuerySessionsAsync(new SessionQuery())).Items;
        Assert.Equal(3, sessions.Count);
        Assert.Equal(2, sessions.Count(s => s.Metadata.ContainsKey("dreaming.unscoped")));
    }

    [Fact]
    public async Task An_endpoint_that_starts_the_session_and_returns_the_stream_has_ended_the_session_before_the_stream_runs()
    {
        var model = new ScriptedModel();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapGet("/sse", async (IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
            {
                await using var session = sessions.StartSession("web", "help");
                return TypedResults.ServerSentEvents(TwoTurnsAsync(session, chat, ct));
            }));

        // The response ends prematurely: the stream throws at its end (below).
        using var response = await web.Client.GetAsync("/sse", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var id = (await reader.ReadLineAsync())!["data: session ".Length..];
        await Assert.ThrowsAnyAsync<IOException>(() => reader.ReadToEndAsync());

        // Its calls are one-call sessions, and its CompleteAsync at the end throws into the server's log.
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!web.Log.Entries.Any(e => e.Exception is SessionStateException) && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        var store = web.Services.GetRequiredService<ITraceStore>();
        var record = await store.GetSessionAsync(id);
        Assert.Equal(SessionStatus.Abandoned, record!.Status);
        Assert.Empty(await store.GetEventsAsync(id));
        Assert.Equal(2, (await store.QuerySessionsAsync(new SessionQuery())).Items.Count(s => s.Metadata.ContainsKey("dreaming.unscoped")));
        Assert.Contains(web.Log.Entries, e => e.Level == LogLevel.Error && e.Exception is SessionStateException);
    }

    [Fact]
    public async Task A_browser_that_goes_away_mid_stream_cancels_the_model_and_its_session_is_abandoned_with_what_it_was_sent()
    {
        var model = new ScriptedModel { Chunks = 200, ChunkDelay = TimeSpan.FromMilliseconds(50) };
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapGet("/chat", async (HttpContext http, IAgentSessionFactory sessions, IChatClient chat) =>
            {
                var ct = http.RequestAborted;
                await using var session = sessions.StartSession("web", "long answer");
                http.Response.ContentType = "text/event-stream";
                await http.Response.WriteAsync($"data: session {session.Id}\n\n", ct);
                await foreach (var update in chat.GetStreamingResponseAsync("tell me everything", cancellationToken: ct))
                {
                    await http.Response.WriteAsync($"data: {update.Text}\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                }

                await session.CompleteAsync(SessionStatus.Completed, cancellationToken: ct);
            }));

        var lines = await ReadEventsAsync(web.Client, "/chat", stopAfter: 3);
        var id = lines[0]["session ".Length..];
        var gone = Stopwatch.StartNew();

        await model.CancelledOnce.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var cancelledAfter = gone.Elapsed;
        output.WriteLine($"model cancelled {cancelledAfter.TotalMilliseconds:F0} ms after the client closed the connection");
        var store = web.Services.GetRequiredService<ITraceStore>();
        var record = await EndedAsync(store, id);

        Assert.True(cancelledAfter < TimeSpan.FromSeconds(2), $"the model was cancelled {cancelledAfter} after the client went away");
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        var events = await store.GetEventsAsync(id);
        var answer = Assert.Single(events.OfType<MessageEvent>(), m => m.Role == "assistant");
        Assert.StartsWith("answer: tell me everything 1", answer.Text);
        Assert.True(Assert.Single(events.OfType<ErrorEvent>()).IsCancellation);
        Assert.Empty(web.Log.Problems());
    }

    [Fact]
    public async Task A_browser_that_goes_away_from_an_sse_iterator_abandons_its_session_and_logs_no_error()
    {
        var model = new ScriptedModel { Chunks = 200, ChunkDelay = TimeSpan.FromMilliseconds(50) };
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapGet("/sse", (IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
                TypedResults.ServerSentEvents(sessions.StreamInSessionAsync(
                    new AgentSessionOptions { AgentId = "web", Task = "help" },
                    (session, token) => TwoTurnsAsync(session, chat, token),
                    ct))));

        var lines = await ReadEventsAsync(web.Client, "/sse", stopAfter: 3);
        var id = lines[0]["session ".Length..];

        await model.CancelledOnce.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var store = web.Services.GetRequiredService<ITraceStore>();
        var record = await EndedAsync(store, id);
        Assert.Equal(SessionStatus.Abandoned, record.Status);
        Assert.True(Assert.Single((await store.GetEventsAsync(id)).OfType<ErrorEvent>()).IsCancellation);
        Assert.Empty(web.Log.Problems());
    }

    /// <summary>Two turns of a conversation, streamed, in the session given; the first item is its id.</summary>
    private static async IAsyncEnumerable<string> TwoTurnsAsync(IAgentSession session, IChatClient chat, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return "session " + session.Id;
        List<ChatMessage> history = [new(ChatRole.User, "q1")];
        foreach (var next in new[] { "q2", null })
        {
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in chat.GetStreamingResponseAsync(history, cancellationToken: ct))
            {
                updates.Add(update);
                yield return update.Text;
            }

            history.AddRange(updates.ToChatResponse().Messages);
            if (next is not null)
            {
                history.Add(new(ChatRole.User, next));
            }
        }

        await session.CompleteAsync(SessionStatus.Completed, cancellationToken: ct);
    }

    /// <summary>The same, in a session the iterator starts itself: ambient only until its first yield.</summary>
    private static async IAsyncEnumerable<string> OwnSessionAsync(IAgentSessionFactory sessions, IChatClient chat, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var session = sessions.StartSession("web", "help");
        await foreach (var item in TwoTurnsAsync(session, chat, ct))
        {
            yield return item;
        }
    }

    /// <summary>Reads the data of the first <paramref name="stopAfter"/> events, then goes away.</summary>
    private static async Task<List<string>> ReadEventsAsync(HttpClient client, string path, int stopAfter)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        var data = new List<string>();
        while (data.Count < stopAfter && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
            }
        }

        return data;
    }

    private static async Task<SessionRecord> EndedAsync(ITraceStore store, string id)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var record = await store.GetSessionAsync(id);
            if (record is { Status: not SessionStatus.Running } || DateTime.UtcNow > until)
            {
                return record ?? throw new InvalidOperationException($"Session {id} is not in the store.");
            }

            await Task.Delay(20);
        }
    }
}
