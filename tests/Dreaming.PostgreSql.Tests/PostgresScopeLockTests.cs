using Microsoft.Extensions.Time.Testing;
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

    [Fact]
    public async Task A_change_waiting_for_the_lock_longer_than_CommandTimeout_is_a_TraceStoreException_and_writes_nothing()
    {
        var options = Options;
        options.CommandTimeout = TimeSpan.FromSeconds(1);
        options.ConnectionString += ";Maximum Pool Size=1";
        await using var store = new PostgresMemoryStore(options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await using (await HoldScopeLockAsync())
        {
            var exception = await Assert.ThrowsAsync<TraceStoreException>(() => store.ApproveAsync(version.Id, Alice).WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Contains(store.Location, exception.Message, StringComparison.Ordinal);
        }

        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(version.Id))!.State);
        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync(version.Id, Alice)).State);
    }

    /// <summary>A host that stalls inside a change (here its clock, read for the change's webhook row after the scope's lock
    /// is taken) for longer than <c>CommandTimeout</c>: the server ends the idle transaction, so the scope is not held
    /// until TCP keepalive gives up, and the host gets a <see cref="TraceStoreException"/> with nothing kept; a shorter
    /// stall is a change like any other.</summary>
    [Fact]
    public async Task A_change_stalled_inside_its_transaction_longer_than_CommandTimeout_is_ended_by_the_server_and_is_a_TraceStoreException()
    {
        var options = Options;
        options.CommandTimeout = TimeSpan.FromSeconds(2);
        options.WriteUnroutedWebhooks = true;
        var clock = new StallingClock();
        await using var store = new PostgresMemoryStore(options, clock);
        var first = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        var second = await store.ProposeAsync(Proposal(Bot, null, Alice, "i2"));

        // The first read of the clock is the change's time, the second its event's (made before the lock, its body sent
        // with the lock), both before its transaction; the third, the time of the event's rows, is inside it, after the lock.
        clock.Stall(atCall: 3, TimeSpan.FromSeconds(5));
        var exception = await Assert.ThrowsAsync<TraceStoreException>(() => store.ApproveAsync(first.Id, Alice).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(store.Location, exception.Message, StringComparison.Ordinal);
        Assert.Equal(MemoryVersionState.Proposed, (await store.GetVersionAsync(first.Id))!.State);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM webhook_events WHERE type = 'memory.version_activated'"));

        clock.Stall(atCall: 3, TimeSpan.FromMilliseconds(500));
        Assert.Equal(MemoryVersionState.Active, (await store.ApproveAsync(second.Id, Alice)).State);
        Assert.Equal(1L, await ScalarAsync("SELECT count(*) FROM webhook_events WHERE type = 'memory.version_activated'"));
    }

    /// <summary>No transaction holds a scope's memory lock and its dream run lock together, so a memory change and a dream
    /// run's end (which follows the version it wrote) cannot deadlock whatever order they come in: each goes on while
    /// another instance holds the other's lock. A change that took both would wait here, and would need one lock order.</summary>
    [Fact]
    public async Task A_memory_change_and_a_dream_runs_end_never_wait_for_each_others_scope_lock()
    {
        var clock = new FakeTimeProvider(BaseTime);
        await using var memory = new PostgresMemoryStore(Options, clock);
        await using var runs = new PostgresDreamRunStore(Options, clock);
        var lease = TimeSpan.FromMinutes(5);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        await runs.StartAsync(run.Id, "host-a", lease);
        var abandoned = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        var version = await memory.ProposeAsync(Proposal(Bot, null, MemoryAuthor.DreamRun(run.Id), "i1"));
        await using (await HoldScopeLockAsync())
        {
            var completed = await runs.CompleteAsync(run.Id, new DreamRunResults { OutputVersionId = version.Id }).WaitAsync(TimeSpan.FromSeconds(20));
            await runs.StartAsync(abandoned.Id, "host-dead", lease).WaitAsync(TimeSpan.FromSeconds(20));
            clock.Advance(lease);
            var recovered = await runs.RecoverAbandonedAsync().WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(DreamRunStatus.Completed, completed.Status);
            Assert.Equal(abandoned.Id, Assert.Single(recovered).Id);
        }

        await using (await HoldScopeLockAsync(Bot, PostgresDreamRunMigrations.Component))
        {
            var approved = await memory.ApproveAsync(version.Id, Alice).WaitAsync(TimeSpan.FromSeconds(20));
            var proposed = await memory.ProposeAsync(Proposal(Bot, approved.Id, Alice, "i1", "i2")).WaitAsync(TimeSpan.FromSeconds(20));
            await memory.ApproveAsync(proposed.Id, Alice).WaitAsync(TimeSpan.FromSeconds(20));
            var rolledBack = await memory.RollbackAsync(approved.Id, Alice).WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(MemoryVersionState.Active, approved.State);
            Assert.Equal((MemoryVersionState.Active, approved.Id), (rolledBack.State, rolledBack.RestoredFromVersionId));
        }
    }

    /// <summary>A cancel or a failure makes its webhook event before the lock from the run as it read it, and sends its body
    /// with the lock (<see cref="PostgresWebhookStash"/>); another instance records the run's progress while it waits. The
    /// event written is the run as the change left it (the note the other committed), not the one made before.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_runs_end_waiting_for_the_lock_while_another_instance_records_its_progress_announces_the_run_as_it_ended(bool cancel)
    {
        var options = Options;
        options.WriteUnroutedWebhooks = true;
        await using var runs = new PostgresDreamRunStore(options);
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = Bot });
        await runs.StartAsync(run.Id, "host-a", TimeSpan.FromMinutes(5));
        await runs.UpdateProgressAsync(run.Id, new DreamRunResults { Note = "read before the lock" });
        Task<DreamRun> ending;
        await using (var holder = await HoldScopeLockAsync(Bot, PostgresDreamRunMigrations.Component))
        {
            ending = cancel ? runs.CancelAsync(run.Id) : runs.FailAsync(run.Id, "the model went away");
            await WaitForLockWaitersAsync(1, Bot, PostgresDreamRunMigrations.Component);
            await using (var progress = new NpgsqlCommand($"UPDATE \"{Schema}\".dream_runs SET note = 'committed while it waited' WHERE id = @id", holder))
            {
                progress.Parameters.AddWithValue("id", run.Id);
                Assert.Equal(1, await progress.ExecuteNonQueryAsync());
            }

            await using var commit = new NpgsqlCommand("COMMIT", holder);
            await commit.ExecuteNonQueryAsync();
        }

        var ended = await ending.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("committed while it waited", ended.Results.Note);
        var type = cancel ? WebhookEventTypes.DreamCanceled : WebhookEventTypes.DreamFailed;
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM webhook_events WHERE type = '{type}'"));
        var body = (string)(await ScalarAsync($"SELECT body FROM webhook_events WHERE type = '{type}'"))!;
        Assert.Equal(WebhookEventData.DreamEnded(ended).Data.ToJsonString(), System.Text.Json.Nodes.JsonNode.Parse(body)!["data"]!.ToJsonString());
    }

    /// <summary>Takes a scope's lock (the bot's memory lock unless told) as another instance's change would, in a transaction
    /// left open; closing the connection frees it.</summary>
    private Task<NpgsqlConnection> HoldScopeLockAsync(MemoryScope? scope = null, string component = PostgresMemoryMigrations.Component) =>
        PostgresScopeLocks.HoldAsync(Schema, scope ?? Bot, component);

    /// <summary>Waits until <paramref name="count"/> backends wait for this test's scope lock; returns one's process id.</summary>
    private Task<int> WaitForLockWaitersAsync(int count, MemoryScope? scope = null, string component = PostgresMemoryMigrations.Component) =>
        PostgresScopeLocks.WaitForWaitersAsync(Schema, count, scope ?? Bot, component);

    /// <summary>The system clock, which blocks the thread reading it once, at a given call after <see cref="Stall"/>.</summary>
    private sealed class StallingClock : TimeProvider
    {
        private int _callsLeft;
        private TimeSpan _stall;

        public void Stall(int atCall, TimeSpan stall)
        {
            _stall = stall;
            Volatile.Write(ref _callsLeft, atCall);
        }

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Decrement(ref _callsLeft) == 0)
            {
                Thread.Sleep(_stall);
            }

            return base.GetUtcNow();
        }
    }

    private static async Task TerminateAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        command.Parameters.AddWithValue("pid", processId);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_rejection_of_a_version_another_instance_approves_while_it_waits_is_refused_as_the_version_then_is()
    {
        // The rejection reads the version without the lock, then rejects it in the statement that takes the lock, only if
        // it is still proposed: another instance approves it in between.
        await using var store = new PostgresMemoryStore(Options);
        await using var other = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        await store.InitializeAsync();

        var (refused, _) = await NpgsqlCommands.BeforeAsync(
            2,
            () => other.ApproveAsync(version.Id, MemoryAuthor.Person("bob")).GetAwaiter().GetResult(),
            () => Assert.ThrowsAsync<MemoryStateException>(() => store.RejectAsync(version.Id, Alice, "too late")));

        Assert.Equal($"Memory version {(await other.GetVersionAsync(version.Id))!.ToSummary()} cannot be rejected: it is active, and only a proposed version can be.", refused.Message);
        var stored = (await other.GetVersionAsync(version.Id))!;
        Assert.Equal((MemoryVersionState.Active, "bob", (string?)null), (stored.State, stored.ReviewedBy!.Id, stored.ReviewNote));
    }

    [Fact]
    public async Task A_rejection_waiting_for_the_scope_lock_while_its_holder_rejects_the_version_is_refused_as_rejected_and_keeps_the_first_reason()
    {
        // The rejection's statement starts (its snapshot sees the version proposed) and waits for the lock; its holder
        // rejects the version and commits: once granted, the update re-reads the row, no longer proposed, and skips it.
        await using var store = new PostgresMemoryStore(Options);
        var version = await store.ProposeAsync(Proposal(Bot, null, Alice, "i1"));
        Task<MemoryVersion> rejecting;
        await using (var holder = await HoldScopeLockAsync())
        {
            rejecting = store.RejectAsync(version.Id, Alice, "too late");
            await WaitForLockWaitersAsync(1);
            await using (var reject = new NpgsqlCommand($"UPDATE \"{Schema}\".memory_versions SET state = 'rejected', review_note = 'first' WHERE id = @id", holder))
            {
                reject.Parameters.AddWithValue("id", version.Id);
                Assert.Equal(1, await reject.ExecuteNonQueryAsync());
            }

            await using var commit = new NpgsqlCommand("COMMIT", holder);
            await commit.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<MemoryStateException>(() => rejecting.WaitAsync(TimeSpan.FromSeconds(20)));
        var stored = (await store.GetVersionAsync(version.Id))!;
        Assert.Equal($"Memory version {stored.ToSummary()} cannot be rejected: it is rejected, and only a proposed version can be.", refused.Message);
        Assert.Equal((MemoryVersionState.Rejected, "first"), (stored.State, stored.ReviewNote));
    }
}
