using Microsoft.Data.Sqlite;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming sessions abandon</c> names at most five of the crashed runs it left running, and of the outbox
/// failures, and says how many more there are, so that the operator is not shown a list cut without a word.</summary>
public sealed class SessionsAbandonLongListTests
{
    [Fact]
    public async Task Seven_runs_left_running_are_named_five_and_two_more_and_so_are_their_failures()
    {
        using var cli = new CliRunner();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 1; i <= 7; i++)
        {
            await SessionsAbandonWebhookTests.SeedCrashedRunAsync(cli.Database, $"run-{i}", at.AddMinutes(i));
        }

        using (var outbox = new Dreaming.Sqlite.SqliteWebhookOutboxStore(CliServices.ToConnectionString(cli.Database)))
        {
            await outbox.InitializeAsync();
        }

        await using (var connection = new SqliteConnection($"Data Source={cli.Database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TRIGGER disk_full BEFORE INSERT ON webhook_unrouted BEGIN SELECT RAISE(ABORT, 'disk full'); END";
            await command.ExecuteNonQueryAsync();
        }

        var (exit, _, error) = await cli.RunAsync("sessions", "abandon", "--older-than", "6h", "--db", cli.Database);

        Assert.Equal(1, exit);
        Assert.Contains("left running, so that their webhook is not lost: 7 crashed orchestration runs (run-1, run-2, run-3, run-4, run-5 and 2 more); ", error, StringComparison.Ordinal);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(5, lines.Count(l => l.StartsWith("webhooks: an orchestration.failed event could not be written to the outbox:", StringComparison.Ordinal)));
        Assert.Contains("webhooks: 2 more orchestration.failed events could not be written to the outbox (not shown)", lines);
    }
}
