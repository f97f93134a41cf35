using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The memory and dream run stores write their webhook rows in the transaction of the change, as the SQLite
/// stores do: the change and its announcement are stored together or not at all.</summary>
public sealed class PostgresMemoryDreamWebhookTests : PostgresStoreFixture
{
    private const string BrokenOutbox =
        "CREATE FUNCTION outbox_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox broken'; END $$; "
        + "CREATE TRIGGER outbox_broken BEFORE INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION outbox_broken();";

    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _clock = new(BaseTime);

    [Fact]
    public async Task Memory_changes_write_their_events_in_their_transaction_and_a_broken_outbox_leaves_the_version_proposed()
    {
        await using var store = new PostgresMemoryStore(Options, _clock) { Webhooks = Publisher() };
        Assert.True(store.WritesMemoryWebhooks);
        var proposed = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await ExecuteAsync(BrokenOutbox);

        var exception = await Assert.ThrowsAsync<TraceStoreException>(() => store.ApproveAsync(proposed.Id, Alice));

        Assert.Contains("outbox broken", exception.Message, StringComparison.Ordinal);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(proposed.Id))!.State);
        await ExecuteAsync("DROP TRIGGER outbox_broken ON webhook_events");
        var approved = await store.ApproveAsync(proposed.Id, Alice);

        var bodies = await BodiesAsync();
        Assert.Equal(["memory.version_proposed", "memory.version_activated"], bodies.Select(b => b["type"]!.GetValue<string>()));
        Assert.Equal(approved.Id, bodies[1]["data"]!["memory_version_id"]!.GetValue<string>());
        Assert.Equal(2L, await ScalarAsync("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = 'ci'"));
    }

    [Fact]
    public async Task A_run_ended_by_cancel_or_by_recovery_writes_its_event_in_that_transaction()
    {
        await using var store = new PostgresDreamRunStore(Options, _clock) { Webhooks = Publisher() };
        Assert.True(store.WritesDreamRunWebhooks);
        var canceled = await store.CreateAsync(new DreamRunRequest { Scope = Bot });
        var abandoned = await store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("other") });
        await store.StartAsync(abandoned.Id, "dead", Lease);
        await store.CancelAsync(canceled.Id);
        _clock.Advance(Lease);
        await ExecuteAsync(BrokenOutbox);

        await Assert.ThrowsAsync<TraceStoreException>(() => store.RecoverAbandonedAsync());

        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(abandoned.Id))!.Status);
        await ExecuteAsync("DROP TRIGGER outbox_broken ON webhook_events");
        Assert.Single(await store.RecoverAbandonedAsync());

        var bodies = await BodiesAsync();
        Assert.Equal(["dream.canceled", "dream.failed"], bodies.Select(b => b["type"]!.GetValue<string>()));
        Assert.Equal(abandoned.Id, bodies[1]["data"]!["dream_run_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_endpoints_the_stores_write_no_webhook_rows_and_leave_publishing_to_the_wrappers()
    {
        await using var memory = new PostgresMemoryStore(Options, _clock);
        await using var runs = new PostgresDreamRunStore(Options, _clock) { Webhooks = null };

        await memory.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await runs.CancelAsync((await runs.CreateAsync(new DreamRunRequest { Scope = Bot })).Id);

        Assert.False(memory.WritesMemoryWebhooks);
        Assert.False(runs.WritesDreamRunWebhooks);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'webhook_events'"));
    }

    [Fact]
    public async Task The_first_change_with_webhooks_works_on_a_pool_of_one_connection()
    {
        var options = Options;
        options.ConnectionString += ";Maximum Pool Size=1;Timeout=2";
        await using var store = new PostgresMemoryStore(options, _clock) { Webhooks = Publisher() };

        var proposed = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));

        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM webhook_events"));
        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync(proposed.Id, Alice)).State);
    }

    private WebhookPublisher Publisher()
    {
        var options = new WebhookOptions();
        var endpoint = new WebhookEndpoint { Id = "ci", Url = "https://ci.example.com/hook" };
        endpoint.Secrets.Add(WebhookSecret.Generate());
        options.Endpoints.Add(endpoint);
        return new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(options), new InMemoryWebhookOutboxStore(), _clock);
    }

    private async Task<List<JsonNode>> BodiesAsync()
    {
        var bodies = new List<JsonNode>();
        await using var connection = new Npgsql.NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT e.body FROM webhook_events e ORDER BY (SELECT min(d.seq) FROM webhook_deliveries d WHERE d.event_id = e.id)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            bodies.Add(JsonNode.Parse(reader.GetString(0))!);
        }

        return bodies;
    }
}
