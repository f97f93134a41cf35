using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary><c>MapHealthChecks</c> with the library's check registered the documented way.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task The_health_endpoint_is_unhealthy_while_the_store_fails_and_healthy_again_once_it_takes_a_batch()
    {
        var store = new SwitchableStore();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddSingleton<ITraceStore>(store);
                b.Services.AddDreamingAgents(o => o.AgentId = "web");
                b.Services.AddHealthChecks().AddCheck<DreamingHealthCheck>("dreaming");
                b.Services.AddChatClient(new ScriptedModel()).UseDreaming();
            },
            app =>
            {
                app.MapHealthChecks("/healthz");
                app.MapPost("/ask", async (IChatClient chat) => (await chat.GetResponseAsync("hello")).Text);
            });

        Assert.Equal((200, "Healthy"), await HealthAsync(web.Client));

        store.Failing = true;
        await web.Client.PostAsync("/ask", null);
        Assert.Equal((503, "Unhealthy"), await EventuallyAsync(web.Client, "Unhealthy"));

        store.Failing = false;
        await web.Client.PostAsync("/ask", null);
        Assert.Equal((200, "Healthy"), await EventuallyAsync(web.Client, "Healthy"));
    }

    [Fact]
    public async Task The_health_endpoint_answers_200_degraded_while_the_write_queue_is_nearly_full()
    {
        var store = new SwitchableStore();
        var open = new System.Collections.Concurrent.ConcurrentBag<IAgentSession>();
        await using var web = await WebApp.StartAsync(
            b =>
            {
                b.Services.AddSingleton<ITraceStore>(store);
                b.Services.AddDreamingAgents(o => { o.AgentId = "web"; o.WriteQueueCapacity = 10; o.Backpressure = BackpressurePolicy.Drop; });
                b.Services.AddHealthChecks().AddCheck<DreamingHealthCheck>("dreaming");
            },
            app =>
            {
                app.MapHealthChecks("/healthz");
                app.MapPost("/note", async (IAgentSessionFactory sessions) =>
                {
                    // Left open: ending it would wait for the held store.
                    var session = sessions.StartSession("web", "notes");
                    open.Add(session);
                    for (var i = 0; i < 9; i++)
                    {
                        await session.RecordAsync(new NoteEvent { Text = $"n{i}" });
                    }
                });
            });

        store.Held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await web.Client.PostAsync("/note", null);
        await web.Client.PostAsync("/note", null);
        var health = await EventuallyAsync(web.Client, "Degraded");
        store.Held.SetResult();
        foreach (var session in open)
        {
            await session.DisposeAsync();
        }

        Assert.Equal((200, "Degraded"), health);
    }

    private static async Task<(int, string)> HealthAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/healthz");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int, string)> EventuallyAsync(HttpClient client, string status)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var health = await HealthAsync(client);
            if (health.Item2 == status || DateTime.UtcNow > until)
            {
                return health;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>An in-memory store whose writes can be made to fail or to wait.</summary>
    private sealed class SwitchableStore() : ForwardingTraceStore(new InMemoryTraceStore())
    {
        public volatile bool Failing;

        public TaskCompletionSource? Held { get; set; }

        public override async Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
        {
            if (Held is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }

            if (Failing)
            {
                throw new IOException("disk full");
            }

            await base.WriteAsync(batch, cancellationToken);
        }

        public override Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) =>
            Failing ? throw new IOException("disk full") : base.CompleteSessionAsync(completion, cancellationToken);
    }
}
