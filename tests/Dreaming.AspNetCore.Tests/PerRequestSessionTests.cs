using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary>A chat endpoint that starts a session per request, as aspnetcore.md tells adopters to, under many requests at once.</summary>
public sealed class PerRequestSessionTests
{
    private const int Requests = 50;

    [Fact]
    public async Task Fifty_concurrent_requests_each_record_their_calls_into_their_own_session()
    {
        var model = new ScriptedModel { ChunkDelay = TimeSpan.FromMilliseconds(20) };
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapPost("/chat/{user}", async (string user, IAgentSessionFactory sessions, IChatClient chat, CancellationToken ct) =>
            {
                await using var session = sessions.StartSession("web", "help " + user);
                var first = await chat.GetResponseAsync("q1 " + user, cancellationToken: ct);
                await Task.Yield();
                var second = await chat.GetResponseAsync([new(ChatRole.User, "q1 " + user), .. first.Messages, new(ChatRole.User, "q2 " + user)], cancellationToken: ct);
                await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded(), ct);
                return Results.Text(session.Id);
            }));

        var ids = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            using var response = await web.Client.PostAsync($"/chat/u{i}", null);
            response.EnsureSuccessStatusCode();
            return (User: $"u{i}", Id: await response.Content.ReadAsStringAsync());
        }));

        var store = web.Services.GetRequiredService<ITraceStore>();
        Assert.Equal(Requests, ids.Select(x => x.Id).Distinct().Count());
        foreach (var (user, id) in ids)
        {
            var record = await store.GetSessionAsync(id);
            Assert.NotNull(record);
            Assert.Equal(SessionStatus.Completed, record.Status);
            Assert.Equal("help " + user, record.Task);
            var texts = (await store.GetEventsAsync(id)).OfType<MessageEvent>().Select(m => $"{m.Role}:{m.Text}").ToArray();
            Assert.Equal(["user:q1 " + user, "assistant:answer: q1 " + user, "user:q2 " + user, "assistant:answer: q2 " + user], texts);
            Assert.Equal(2, record.Usage.ModelCalls);
        }

        var all = await store.QuerySessionsAsync(new SessionQuery { PageSize = 1000 });
        Assert.Equal(Requests, all.Items.Count);
        Assert.Empty(web.Log.Problems());
    }

    [Fact]
    public async Task Without_a_session_each_request_s_call_is_a_one_call_session_of_its_own()
    {
        var model = new ScriptedModel { ChunkDelay = TimeSpan.FromMilliseconds(20) };
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddChatClient(model).UseDreaming();
            },
            app => app.MapPost("/ask/{user}", async (string user, IChatClient chat, CancellationToken ct) =>
                (await chat.GetResponseAsync("q " + user, cancellationToken: ct)).Text));

        await Task.WhenAll(Enumerable.Range(0, Requests).Select(async i =>
        {
            using var response = await web.Client.PostAsync($"/ask/u{i}", null);
            Assert.Equal($"answer: q u{i}", await response.Content.ReadAsStringAsync());
        }));

        var store = web.Services.GetRequiredService<ITraceStore>();
        var sessions = (await store.QuerySessionsAsync(new SessionQuery { PageSize = 1000 })).Items;
        Assert.Equal(Requests, sessions.Count);
        foreach (var record in sessions)
        {
            Assert.Equal(SessionStatus.Completed, record.Status);
            Assert.Equal("web", record.AgentId);
            Assert.Equal("true", record.Metadata["dreaming.unscoped"]);
            var texts = (await store.GetEventsAsync(record.Id)).OfType<MessageEvent>().Select(m => m.Text).ToArray();
            Assert.Equal([record.Task, "answer: " + record.Task], texts);
        }

        Assert.Equal(Requests, sessions.Select(s => s.Task).Distinct().Count());
        Assert.Empty(web.Log.Problems());
    }
}
