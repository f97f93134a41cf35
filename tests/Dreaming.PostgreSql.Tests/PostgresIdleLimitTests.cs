using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The idle limit (<c>idle_in_transaction_session_timeout</c>) the stores set for their transactions that hold
/// what other instances wait on is the transaction's only (<c>set_config(..., true)</c>): the pooled connection the
/// transaction ran on has the server's own limit again once it commits or rolls back.</summary>
public sealed class PostgresIdleLimitTests : PostgresStoreFixture
{
    [Fact]
    public async Task The_idle_limit_of_a_transaction_is_not_left_on_the_pooled_connection_after_its_commit_or_rollback()
    {
        // One pooled connection; a trigger records the limit each update of a session sees: the batch's own update (inside
        // its transaction, with the limit), then the outcomes set after a committed batch and after a refused one.
        var options = Options;
        options.CommandTimeout = TimeSpan.FromSeconds(7);
        options.ConnectionString += ";Maximum Pool Size=1";
        await using var store = new PostgresTraceStore(options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s"), TraceSchema.Session("done")], []));
        await store.CompleteSessionAsync(TraceSchema.Completed("done"));
        await ExecuteAsync(
            "CREATE TABLE seen (n serial, idle text); "
            + "CREATE FUNCTION see_idle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO seen (idle) VALUES (current_setting('idle_in_transaction_session_timeout')); RETURN NULL; END $$; "
            + "CREATE TRIGGER see_idle AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION see_idle()");
        var outside = (string)(await ScalarAsync("SHOW idle_in_transaction_session_timeout"))!;

        await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 1)]));
        await store.SetOutcomeAsync("s", new SessionOutcome { Label = "good", Source = "reviewer" });
        await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("done", 1)])));
        await store.SetOutcomeAsync("s", new SessionOutcome { Label = "bad", Source = "reviewer" });

        Assert.NotEqual("7s", outside);
        Assert.Equal(["7s", outside, outside], await SeenAsync());
    }

    private async Task<List<string>> SeenAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT idle FROM seen ORDER BY n", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var seen = new List<string>();
        while (await reader.ReadAsync())
        {
            seen.Add(reader.GetString(0));
        }

        return seen;
    }
}
