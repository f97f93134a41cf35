using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>The outbox tables and the row helpers other stores write webhook rows with inside their own transactions.</summary>
public sealed class PostgresWebhookRowsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, 123, TimeSpan.Zero);

    private readonly string _schema = PostgresTestServer.NewSchema();
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _database = new PostgresDatabase(PostgresTestServer.NewOptions(_schema));
        await PostgresWebhookSchema.EnsureAsync(_database, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await PostgresTestServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task InsertWritesTheEventAndOneDeliveryPerEndpointInTheCallersTransaction()
    {
        var webhookEvent = WebhookEvent.Create("session.completed", Now, new JsonObject { ["n"] = 1 });
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var created = await PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, ["ci", "chat", "ci"], Now, CancellationToken.None);
            Assert.Equal(["ci", "chat"], created.Select(d => d.EndpointId));
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_events"));

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var created = await PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, ["ci", "chat"], Now, CancellationToken.None);
            await transaction.CommitAsync();
            var stored = await PostgresWebhookRows.FindAsync(connection, null, created[1].Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(webhookEvent.ToBody(), stored.Body);
            Assert.Equal(WebhookDeliveryState.Pending, stored.State);
            Assert.Equal(Now, stored.NextAttemptAt);
            Assert.Equal("chat", stored.EndpointId);
        }

        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_unrouted"));
    }

    [Fact]
    public async Task ARepeatedEventIsRefusedAndTheCallersTransactionStaysUsable()
    {
        var webhookEvent = WebhookEvent.Create("memory.version_activated", Now, []);
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        await PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, ["ci"], Now, CancellationToken.None);

        var routed = await Assert.ThrowsAsync<ArgumentException>(() => PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, ["chat"], Now, CancellationToken.None));
        var unrouted = await Assert.ThrowsAsync<ArgumentException>(() => PostgresWebhookRows.InsertAsync(connection, transaction, webhookEvent, [], Now, CancellationToken.None));

        Assert.Equal("webhookEvent", routed.ParamName);
        Assert.Equal("webhookEvent", unrouted.ParamName);
        await PostgresWebhookRows.InsertAsync(connection, transaction, WebhookEvent.Create("a.b", Now, []), ["ci"], Now, CancellationToken.None);
        await transaction.CommitAsync();
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_deliveries"));
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_unrouted"));
    }

    [Fact]
    public async Task APublisherWithoutEndpointsWritesTheEventUnroutedAndOneWithEndpointsOnlyWhatTheySubscribeTo()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        var unrouted = PostgresStoreWebhooks.Unrouted(TimeProvider.System);
        var options = new WebhookOptions();
        options.Endpoints.Add(new WebhookEndpoint { Id = "ci", Url = "https://example.com/hook", Secrets = { "whsec_c2VjcmV0" }, Events = { "dream.*" } });
        var subscribed = new WebhookPublisher(Options.Create(options), new InMemoryWebhookOutboxStore());
        var made = 0;

        Assert.False(await PostgresStoreWebhooks.WriteAsync(connection, transaction, unrouted, "session.completed", () => [], CancellationToken.None));
        Assert.False(await PostgresStoreWebhooks.WriteAsync(connection, transaction, subscribed, "session.completed", () => { made++; return []; }, CancellationToken.None));
        Assert.True(await PostgresStoreWebhooks.WriteAsync(connection, transaction, subscribed, "dream.completed", () => [], CancellationToken.None));
        await transaction.CommitAsync();

        Assert.Equal(0, made);
        Assert.Equal(2L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_events"));
        Assert.Equal("session.completed", await ScalarAsync(connection, "SELECT e.type FROM webhook_unrouted u JOIN webhook_events e ON e.id = u.event_id"));
        Assert.Equal("dream.completed", await ScalarAsync(connection, "SELECT e.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id"));
    }

    [Theory]
    [InlineData("UPDATE webhook_events SET body = '{}'", "never changes")]
    [InlineData("DELETE FROM webhook_events", "never deleted")]
    [InlineData("TRUNCATE webhook_events CASCADE", "never deleted")]
    public async Task AnEventNeverChangesNorGoes(string sql, string message)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await PostgresWebhookRows.InsertAsync(connection, transaction, WebhookEvent.Create("a.b", Now, []), ["ci"], Now, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var exception = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(connection, sql));

        Assert.Equal(PostgresErrorCodes.RestrictViolation, exception.SqlState);
        Assert.Contains(message, exception.MessageText, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task TextPostgreSqlCannotStoreIsRefusedByNameBeforeAnythingIsWritten()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();

        var type = await Assert.ThrowsAsync<ArgumentException>(() => PostgresWebhookRows.InsertAsync(connection, transaction, WebhookEvent.Create("a\0b", Now, []), ["ci"], Now, CancellationToken.None));
        var endpoint = await Assert.ThrowsAsync<ArgumentException>(() => PostgresWebhookRows.InsertAsync(connection, transaction, WebhookEvent.Create("a.b", Now, []), ["c\0i"], Now, CancellationToken.None));

        Assert.Equal("webhookEvent", type.ParamName);
        Assert.Equal("endpointIds", endpoint.ParamName);
        await transaction.CommitAsync();
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM webhook_events"));
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
