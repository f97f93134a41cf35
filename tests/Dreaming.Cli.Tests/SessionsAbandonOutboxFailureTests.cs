using Dreaming.Sqlite;
using Microsoft.Data.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming sessions abandon</c> whose outbox write of a crashed run's <c>orchestration.failed</c> webhook fails
/// leaves that run's session running (exit 1, saying so), and the next call, once the outbox works, writes the webhook
/// once and ends the run.</summary>
public sealed class SessionsAbandonOutboxFailureTests
{
    [Fact]
    public async Task A_failed_webhook_write_leaves_the_run_running_and_the_next_call_writes_it_once_and_ends_it()
    {
        using var cli = new CliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        await SessionsAbandonWebhookTests.SeedCrashedRunAsync(cli.Database, "run-1", at);
        using (var plain = new SqliteTraceStore(cli.Database))
        {
            await plain.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "plain", AgentId = "support-bot", Task = "t", StartedAt = at }], []));
        }

        using var outbox = new SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database));
        await outbox.InitializeAsync();
        await ExecuteAsync(cli.Database, "CREATE TRIGGER disk_full BEFORE INSERT ON webhook_unrouted BEGIN SELECT RAISE(ABORT, 'disk full'); END");

        var (exit, output, error) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("webhooks: an orchestration.failed event could not be written to the outbox:", error, StringComparison.Ordinal);
        Assert.Contains("disk full", error, StringComparison.Ordinal);
        Assert.Contains("left running, so that their webhook is not lost: 1 crashed orchestration run (run-1); run the command again once the outbox can be written (or with --no-webhooks to end them without the webhook)", error, StringComparison.Ordinal);
        Assert.Contains("abandoned 1 session still running", output, StringComparison.Ordinal);
        using (var traces = new SqliteTraceStore(cli.Database))
        {
            Assert.Equal(SessionStatus.Running, (await traces.GetSessionAsync("run-1"))!.Status);
            Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("plain"))!.Status);
        }

        Assert.Empty(await outbox.ListUnroutedAsync());

        await ExecuteAsync(cli.Database, "DROP TRIGGER disk_full");
        var (againExit, again, againError) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);

        Assert.True(againExit == 0, againError);
        Assert.Contains("abandoned 1 session still running", again, StringComparison.Ordinal);
        Assert.Contains("webhooks: orchestration.failed (status abandoned) of 1 crashed orchestration run written to the outbox", again, StringComparison.Ordinal);
        using (var traces = new SqliteTraceStore(cli.Database))
        {
            Assert.Equal(SessionStatus.Abandoned, (await traces.GetSessionAsync("run-1"))!.Status);
            Assert.Single((await traces.GetEventsAsync("run-1")).OfType<OrchestrationFailedEvent>());
        }

        Assert.Single(await outbox.ListUnroutedAsync(), e => e.EventType == WebhookEventTypes.OrchestrationFailed);
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
