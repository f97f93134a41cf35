using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A change waiting for its scope's lock: the instance holding it dies mid-change, the waiter is cancelled, or
/// the waiter's own connection is killed.</summary>
public sealed class PostgresScopeLockTests : PostgresStoreFixture
{
    private static readonly MemoryScope Bot = MemoryScope.Agent("bot");
    private static readonly MemoryAuthor Alice = MemoryAuthor.Person("alice");

    [Fact]
    public async Task An_instance_killed_while_holding_a_scopes_lock_frees_it_and_the_waiting_approval_goes_on()
    {
        await using var store = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await using var holder = await HoldScopeLockAsync();

        var approving = store.ApproveAsync(version.Id, Alice);
        await WaitForLockWaitersAsync(1);
        Assert.False(approving.IsCompleted);
        await TerminateAsync(holder.ProcessID);

        Assert.Equal(MemoryVersionState.Active, (await approving.WaitAsync(TimeSpan.FromSeconds(20))).State);
    }

    [Fact]
    public async Task A_change_cancelled_while_waiting_for_the_lock_writes_nothing_and_the_pool_stays_usable()
    {
        var options = Options;
        options.ConnectionString += ";Maximum Pool Size=1";
        await using var store = new PostgresMemoryStore(options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await using (var holder = await HoldScopeLockAsync())
        {
            using var cancellation = new CancellationTokenSource();
            var approving = store.ApproveAsync(version.Id, Alice, cancellation.Token);
            await WaitForLockWaitersAsync(1);
            await cancellation.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => approving.WaitAsync(TimeSpan.FromSeconds(20)));
        }

        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(version.Id))!.State);
        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync(version.Id, Alice)).State);
    }

    [Fact]
    public async Task A_waiting_change_whose_connection_the_server_kills_is_a_TraceStoreException_and_the_store_works_again_after()
    {
        await using var store = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await using (var holder = await HoldScopeLockAsync())
        {
            var approving = store.ApproveAsync(version.Id, Alice);
            var waiter = await WaitForLockWaitersAsync(1);
            await TerminateAsync(waiter);

            var exception = await Assert.ThrowsAsync<TraceStoreException>(() => approving.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains(store.Location, exception.Message, StringComparison.Ordinal);
        }

        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync(version.Id, Alice)).State);
    }

    [Fact]
    public async Task Changes_in_a_scope_whose_id_holds_a_NUL_take_that_scopes_lock()
    {
        var scope = MemoryScope.Agent("b\0t");
        await using var memory = new PostgresMemoryStore(Options);
        await using var runs = new PostgresDreamRunStore(Options);
        var version = await memory.ProposeAsync(Proposal(scope, null, Alice, "i1"));
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = scope });
        Task<MemoryVersion> approving;
        Task<DreamRun> starting;
        await using (await HoldScopeLockAsync(scope))
        await using (await HoldScopeLockAsync(scope, PostgresDreamRunMigrations.Component))
        {
            approving = memory.ApproveAsync(version.Id, Alice);
            starting = runs.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));
            await WaitForLockWaitersAsync(1, scope);
            await WaitForLockWaitersAsync(1, scope, PostgresDreamRunMigrations.Component);
            Assert.False(approving.IsCompleted);
            Assert.False(starting.IsCompleted);
        }

        Assert.Equal(MemoryVersionState.Active, (await approving.WaitAsync(TimeSpan.FromSeconds(20))).State);
        Assert.Equal(DreamRunStatus.Running, (await starting.WaitAsync(TimeSpan.FromSeconds(20))).Status);
    }

    /// <summary>Takes a scope's lock (the bot's memory lock unless told) as another instance's change would, in a transaction
    /// left open; closing the connection frees it.</summary>
    private async Task<NpgsqlConnection> HoldScopeLockAsync(MemoryScope? scope = null, string component = PostgresMemoryMigrations.Component)
    {
        var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))", connection);
        command.Parameters.AddWithValue("key", LockKey(scope, component));
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>The key of a scope's lock as the stores write it: a NUL in the scope's id escaped as in every stored text.</summary>
    private string LockKey(MemoryScope? scope, string component) => PostgresText.Encode($"dreaming.{component}:{Schema}:{(scope ?? Bot).Key}");

    /// <summary>Waits until <paramref name="count"/> backends wait for this test's scope lock (never another test's or
    /// another engineer's: the server is shared); returns one's process id.</summary>
    private async Task<int> WaitForLockWaitersAsync(int count, MemoryScope? scope = null, string component = PostgresMemoryMigrations.Component)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            await using var command = new NpgsqlCommand(
                "SELECT array_agg(pid) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1 "
                + "AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(@key, 0)",
                connection);
            command.Parameters.AddWithValue("key", LockKey(scope, component));
            if (await command.ExecuteScalarAsync() is int[] waiters && waiters.Length >= count)
            {
                return waiters[0];
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No change waited for the scope's lock.");
    }

    private static async Task TerminateAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        command.Parameters.AddWithValue("pid", processId);
        await command.ExecuteNonQueryAsync();
    }
}
