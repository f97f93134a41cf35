using Microsoft.Extensions.Options;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>With the outbox on the trace store's database, a session's end and its webhook rows are one transaction.</summary>
public sealed class PostgresSessionWebhookTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Ending_a_session_writes_its_event_and_one_delivery_an_endpoint_with_the_end()
    {
        var store = _schema.NewStore();
        store.Webhooks = Publisher("ci", "chat");
        Assert.True(store.WritesSessionWebhooks);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s1") with { Scope = "team\0x" }, TraceSchema.Session("s2")], []));

        await store.CompleteSessionAsync(new SessionCompletion { SessionId = "s1", Status = SessionStatus.Failed, EndedAt = TraceSchema.BaseTime.AddMinutes(2) });
        await Assert.ThrowsAsync<SessionStateException>(() => store.CompleteSessionAsync(TraceSchema.Completed("s1")));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => store.CompleteSessionAsync(TraceSchema.Completed("nobody")));

        Assert.Equal(SessionStatus.Failed, (await store.GetSessionAsync("s1"))!.Status);
        Assert.Equal(["session.failed"], await ListAsync("SELECT type FROM webhook_events"));
        Assert.Equal(["chat", "ci"], await ListAsync("SELECT endpoint_id FROM webhook_deliveries ORDER BY endpoint_id"));
        var body = Assert.Single(await ListAsync("SELECT body FROM webhook_events"));
        Assert.Contains("\"session_id\":\"s1\"", body, StringComparison.Ordinal);
        Assert.Contains("team\\u0000x", body, StringComparison.Ordinal);

        // An end whose transaction fails writes no row: the rows and the end are stored together or not at all.
        await using (var blocker = await _schema.ConnectionString.OpenAsync())
        {
            await using var refuse = new NpgsqlCommand(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$; "
                + "CREATE TRIGGER refuse_deliveries BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse();",
                blocker);
            await refuse.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<TraceStoreException>(() => store.CompleteSessionAsync(TraceSchema.Completed("s2")));
        Assert.Equal(SessionStatus.Running, (await store.GetSessionAsync("s2"))!.Status);
        Assert.Single(await ListAsync("SELECT type FROM webhook_events"));
    }

    [Fact]
    public async Task Without_endpoints_the_store_writes_no_rows_and_says_so()
    {
        var store = _schema.NewStore();
        store.Webhooks = Publisher();
        Assert.False(store.WritesSessionWebhooks);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s1")], []));

        await store.CompleteSessionAsync(TraceSchema.Completed("s1"));

        Assert.Equal(["sessions", "events"], (await ListAsync("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE '%s' AND table_name NOT LIKE 'schema%' ORDER BY table_name DESC")));
    }

    [Fact]
    public async Task The_first_session_end_with_webhooks_works_on_a_pool_of_one_connection()
    {
        // Ensuring the outbox tables takes a connection of its own: done while the end held the pool's only one, it
        // waited out the connection timeout and failed.
        var store = _schema.NewStore(";Maximum Pool Size=1;Timeout=2");
        store.Webhooks = Publisher("ci");
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s1")], []));

        await store.CompleteSessionAsync(TraceSchema.Completed("s1"));

        Assert.Equal(["session.completed"], await ListAsync("SELECT type FROM webhook_events"));
        Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync("s1"))!.Status);
    }

    private static WebhookPublisher Publisher(params string[] endpoints)
    {
        var options = new WebhookOptions { AllowPrivateNetworks = true };
        foreach (var id in endpoints)
        {
            var endpoint = new WebhookEndpoint { Id = id, Url = $"https://{id}.example.com/hook" };
            endpoint.Secrets.Add(WebhookSecret.Generate());
            options.Endpoints.Add(endpoint);
        }

        return new WebhookPublisher(Options.Create(options), new InMemoryWebhookOutboxStore());
    }

    private async Task<List<string>> ListAsync(string sql)
    {
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
