using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests.Webhooks;

public sealed class SqliteWebhookMigrationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_version_4_store_opened_by_the_outbox_gets_the_webhook_tables_and_keeps_its_sessions()
    {
        var path = _folder.File("v4.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            foreach (var script in SqliteSchema.Migrations.Take(4))
            {
                Execute(connection, transaction, script);
            }

            Execute(connection, transaction, "PRAGMA user_version = 4;");
            Execute(connection, transaction,
                "INSERT INTO sessions (id, agent_id, task, status, started_ms, input_tokens, output_tokens, cached_input_tokens, model_calls, cost_minor_units, insight_ids, metadata, dropped_event_count) "
                + "VALUES ('old', 'agent', 'task', 1, 1, 0, 0, 0, 0, 0, '[]', '{}', 0);");
            transaction.Commit();
        }

        using (var outbox = new SqliteWebhookOutboxStore(path))
        {
            await outbox.EnqueueAsync(WebhookEvent.Create(WebhookEventTypes.SessionCompleted, DateTimeOffset.UtcNow, new()), ["ci"]);
            Assert.Single(await outbox.ListAsync());
        }

        Assert.Equal(SqliteSchema.LatestVersion, SqliteFiles.Long(path, "PRAGMA user_version"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sessions WHERE id = 'old'"));
        Assert.Equal(1, SqliteFiles.Long(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_webhook_deliveries_due'"));
        var refused = Assert.ThrowsAny<SqliteException>(() => SqliteFiles.Execute(path, "UPDATE webhook_events SET body = '{}'"));
        Assert.Contains("a webhook event never changes", refused.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<SqliteException>(() => SqliteFiles.Execute(path, "DELETE FROM webhook_events"));
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
