using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>UsePostgresStore registers the memory and dream run stores on the shared database, and with AddWebhooks they
/// write their rows in their own transactions.</summary>
public sealed class PostgresStoreRegistrationTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");

    [Fact]
    public async Task UsePostgresStore_replaces_the_memory_and_dream_run_stores_with_ones_on_the_shared_database()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!, options => options.Schema = Schema);
        await using var provider = services.BuildServiceProvider();

        var memory = Assert.IsType<PostgresMemoryStore>(provider.GetRequiredService<IMemoryStore>());
        var runs = Assert.IsType<PostgresDreamRunStore>(provider.GetRequiredService<IDreamRunStore>());

        Assert.False(memory.WritesMemoryWebhooks);
        Assert.Equal(memory.Location, runs.Location);
        var version = await memory.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        Assert.Equal(version.Id, (await new PostgresMemoryStore(Options).GetVersionAsync(version.Id))!.Id);
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM schema_versions WHERE component IN ('memory', 'dream_runs')"));
    }

    [Fact]
    public async Task With_AddWebhooks_an_approval_and_its_event_are_stored_together_or_not_at_all()
    {
        await using var provider = WithWebhooks();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var version = await memory.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await ExecuteAsync(
            "CREATE FUNCTION outbox_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox broken'; END $$; "
            + "CREATE TRIGGER outbox_broken BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION outbox_broken();");

        await Assert.ThrowsAsync<TraceStoreException>(() => memory.ApproveAsync(version.Id, Alice));

        Assert.Equal(MemoryVersionState.Proposed, (await memory.GetVersionAsync(version.Id))!.State);
        await ExecuteAsync("DROP TRIGGER outbox_broken ON webhook_events");
        await memory.ApproveAsync(version.Id, Alice);
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task With_AddWebhooks_on_the_same_database_the_trace_store_writes_session_webhooks_in_the_ends_transaction()
    {
        await using var provider = WithWebhooks();

        var traces = Assert.IsType<PostgresTraceStore>(provider.GetRequiredService<ITraceStore>());

        Assert.True(traces.WritesSessionWebhooks);
        var withoutWebhooks = new ServiceCollection();
        withoutWebhooks.AddDreamingAgents().UsePostgresStore(PostgresTestServer.ConnectionString!, options => options.Schema = Schema);
        await using var plain = withoutWebhooks.BuildServiceProvider();
        Assert.False(Assert.IsType<PostgresTraceStore>(plain.GetRequiredService<ITraceStore>()).WritesSessionWebhooks);
    }

    /// <summary>A provider with UsePostgresStore on <see cref="PostgresStoreFixture.Schema"/> and one webhook endpoint.</summary>
    private ServiceProvider WithWebhooks()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UsePostgresStore(PostgresTestServer.ConnectionString!, options => options.Schema = Schema)
            .AddWebhooks(options =>
            {
                var endpoint = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hook" };
                endpoint.Secrets.Add(WebhookSecret.Generate());
                options.Endpoints.Add(endpoint);
            });
        return services.BuildServiceProvider();
    }
}
