using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary><see cref="PostgresStoreOptions.WriteUnroutedWebhooks"/>: in a process without endpoints (the dreaming tool),
/// memory and dream run changes write their events unrouted, for a host's dispatcher on the same schema to route.</summary>
public sealed class PostgresUnroutedChangeWebhookTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");

    [Fact]
    public async Task With_WriteUnroutedWebhooks_memory_and_dream_changes_write_unrouted_events_that_a_hosts_dispatcher_routes()
    {
        await using (var tool = Provider(unrouted: true, endpoint: false))
        {
            var memory = tool.GetRequiredService<IMemoryStore>();
            var runs = tool.GetRequiredService<IDreamRunStore>();
            var version = await memory.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
            await memory.ApproveAsync(version.Id, Alice);
            var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
            await runs.StartAsync(run.Id, "tool", TimeSpan.FromMinutes(1));
            await runs.CompleteAsync(run.Id, new DreamRunResults());
            Assert.False(((IMemoryWebhookWriter)memory).WritesMemoryWebhooks);
        }

        await using var direct = new PostgresWebhookOutboxStore(Options);
        var waiting = await direct.ListUnroutedAsync();
        Assert.Equal(
            [WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionActivated, WebhookEventTypes.DreamCompleted],
            waiting.Select(e => e.EventType));

        // The app's dispatcher (AddWebhooks with UsePostgresStore on the schema) routes them to its endpoint.
        await using var app = Provider(unrouted: false, endpoint: true);
        var outbox = app.GetRequiredService<IWebhookOutboxStore>();
        var (routed, dropped) = await outbox.RouteUnroutedAsync(_ => ["ci"], DateTimeOffset.UtcNow, 100);
        Assert.Equal((3, 0), (routed, dropped));
        Assert.Empty(await direct.ListUnroutedAsync());
        Assert.Equal(3, (await outbox.ListAsync()).Count);
    }

    [Fact]
    public async Task Without_the_option_or_with_endpoints_no_unrouted_event_is_written()
    {
        await using (var plain = Provider(unrouted: false, endpoint: false))
        {
            var memory = plain.GetRequiredService<IMemoryStore>();
            await memory.ApproveAsync((await memory.ProposeAsync(Proposal(Bot, null, Alice, "i1"))).Id, Alice);
        }

        await using (var hosted = Provider(unrouted: true, endpoint: true))
        {
            var memory = hosted.GetRequiredService<IMemoryStore>();
            await memory.ApproveAsync((await memory.ProposeAsync(Proposal(Bot, (await memory.GetActiveVersionAsync(Bot))!.Id, Alice, "i2"))).Id, Alice);
        }

        // A store made directly with the option writes them too.
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using (var direct = new PostgresMemoryStore(options))
        {
            await direct.RejectAsync((await direct.ProposeAsync(Proposal(Bot, (await direct.GetActiveVersionAsync(Bot))!.Id, Alice, "i3"))).Id, Alice);
        }

        await using var outbox = new PostgresWebhookOutboxStore(Options);
        Assert.Equal(
            [WebhookEventTypes.MemoryVersionProposed, WebhookEventTypes.MemoryVersionRejected],
            (await outbox.ListUnroutedAsync()).Select(e => e.EventType));
        Assert.Equal(2, (await outbox.ListAsync()).Count);
    }

    private ServiceProvider Provider(bool unrouted, bool endpoint)
    {
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!, options =>
        {
            options.Schema = Schema;
            options.WriteUnroutedWebhooks = unrouted;
        });
        if (endpoint)
        {
            builder.AddWebhooks(options =>
            {
                var ci = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hook" };
                ci.Secrets.Add(WebhookSecret.Generate());
                options.Endpoints.Add(ci);
            });
        }

        return services.BuildServiceProvider();
    }
}
