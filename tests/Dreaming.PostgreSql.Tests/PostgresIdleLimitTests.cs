using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The idle limit (<c>idle_in_transaction_session_timeout</c>) the stores set for their transactions that hold
/// what other instances wait on is the transaction's only (<c>set_config(..., true)</c>): the pooled connection the
/// transaction ran on has the server's own limit again once it commits or rolls back.</summary>
public sealed class PostgresIdleLimitTests : PostgresStoreFixture
{
    [Theory]
    [InlineData("idle_in_transaction_session_timeout", "7s")]
    [InlineData("tcp_user_timeout", "7000")]
    public async Task The_limits_of_a_transaction_are_not_left_on_the_pooled_connection_after_its_commit_or_rollback(string setting, string limit)
    {
        // One pooled connection, handed out again as the transaction left it (Npgsql's DISCARD ALL on reuse, which would
        // hide a value set for the session, is off, as an application may set it); a trigger records the setting each update
        // of a session sees: the batch's own update (inside its transaction, with the limit), then the outcomes set after a
        // committed batch and after a refused one. The idle limit and tcp_user_timeout (the socket option of the server's
        // end: a read outside a transaction, or another application's use of the pool, is not to be cut after the store's
        // limit) are set by the same statement; the test's server is Linux, over TCP.
        var options = Options;
        options.CommandTimeout = TimeSpan.FromSeconds(7);
        options.ConnectionString += ";Maximum Pool Size=1;No Reset On Close=true";
        await using var store = new PostgresTraceStore(options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s"), TraceSchema.Session("done")], []));
        await store.CompleteSessionAsync(TraceSchema.Completed("done"));
        await ExecuteAsync(
            "CREATE TABLE seen (n serial, idle text); "
            + $"CREATE FUNCTION see_idle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO seen (idle) VALUES (current_setting('{setting}')); RETURN NULL; END $$; "
            + "CREATE TRIGGER see_idle AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION see_idle()");
        var outside = (string)(await ScalarAsync($"SHOW {setting}"))!;

        await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 1)]));
        await store.SetOutcomeAsync("s", new SessionOutcome { Label = "good", Source = "reviewer" });
        await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("done", 1)])));
        await store.SetOutcomeAsync("s", new SessionOutcome { Label = "bad", Source = "reviewer" });

        Assert.NotEqual(limit, outside);
        Assert.Equal([limit, outside, outside], await SeenAsync());
    }

    [Theory]
    [InlineData("PostgreSQL 16.4, compiled by Visual C++ build 1940, 64-bit")]
    [InlineData("PostgreSQL 16.4 on aarch64-apple-darwin23.6.0, compiled by Apple clang version 15.0.0, 64-bit")]
    [InlineData("PostgreSQL 16.4 on amd64-portbld-freebsd14.1, compiled by FreeBSD clang version 18.1.5, 64-bit")]
    public async Task On_a_server_without_TCP_USER_TIMEOUT_the_idle_limit_leaves_tcp_user_timeout_alone(string version)
    {
        // PostgreSQL built for a system without the socket option (Windows, macOS, the BSDs) accepts tcp_user_timeout, but
        // a value other than 0 only writes "setsockopt(TCP_USER_TIMEOUT) not supported" to the server's log: at every
        // transaction that sets the idle limit (every batch of events). The test's server is Linux: a version() of the
        // test's schema, searched before pg_catalog here, stands for another system's.
        await ExecuteAsync(
            $"CREATE SCHEMA IF NOT EXISTS \"{Schema}\"; "
            + $"CREATE FUNCTION \"{Schema}\".version() RETURNS text LANGUAGE sql AS $$ SELECT '{version}'::text $$");

        Assert.Equal((version, "6s", "0"), await LimitInTransactionAsync(Schema + ",pg_catalog"));
        var linux = await LimitInTransactionAsync(Schema);
        Assert.Contains("linux", linux.Version, StringComparison.Ordinal);
        Assert.Equal(("6s", "6000"), (linux.Idle, linux.Tcp));
    }

    // The version() the search path finds, and the two settings inside a transaction that evaluated the idle limit of 6 s.
    private static async Task<(string Version, string Idle, string Tcp)> LimitInTransactionAsync(string searchPath)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + searchPath);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var limit = new NpgsqlCommand($"SELECT {PostgresDatabase.IdleLimitOf("6000")}", connection, transaction))
        {
            await limit.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(
            "SELECT version(), current_setting('idle_in_transaction_session_timeout'), current_setting('tcp_user_timeout')", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2));
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
