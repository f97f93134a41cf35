using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>A client that stops answering inside a store transaction while it holds locks other instances need: a store
/// behind a <see cref="TcpProxy"/> that stops passing bytes on (a frozen host, or one cut off by a network that leaves its
/// sockets open, so the server sees nothing), stopped by a <see cref="StatementTrap"/> with its change made and not
/// committed. The server would keep such a transaction, and its locks, until TCP keepalive gives up (two hours by default;
/// never, for a process stopped on a live machine, whose kernel answers the probes).</summary>
public sealed class PostgresFrozenClientTests : PostgresStoreFixture
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 0, 0, TimeSpan.Zero);

    // The frozen client's command timeout, and so the idle limit its transactions set: 6 s, so that catching its statement and
    // freezing the proxy (polled every 20 ms) finishes well before the client would cancel the statement itself on a loaded machine.
    private static readonly TimeSpan FrozenTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Frozen_while_recording_events_the_server_ends_its_transaction_after_the_command_timeout_and_the_session_can_be_ended()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout));
        await using var other = new PostgresTraceStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await frozen.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "sessions", "NEW.event_count > OLD.event_count");

        // The batch holds the session's row (locked for the check that it is still running) when its host freezes.
        var writing = frozen.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 2)]));
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => writing);
        await other.CompleteSessionAsync(TraceSchema.Completed("s"));
        var ended = (await other.GetSessionAsync("s"))!;
        Assert.Equal((SessionStatus.Completed, 1L), (ended.Status, ended.EventCount));
    }

    [Fact]
    public async Task Frozen_while_creating_a_session_with_events_the_server_ends_its_transaction_after_the_command_timeout_and_another_instance_creates_it()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout));
        await using var other = new PostgresTraceStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await frozen.InitializeAsync();
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "sessions", "NEW.event_count > OLD.event_count");

        // The batch has inserted the session and its event and locked it: it holds its new row uncommitted (a batch creating
        // the same id waits on it) and its transaction id (the change horizon every poll reads cannot pass it). A batch that
        // only creates sessions is one statement, with no transaction left open after it.
        var creating = frozen.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => creating);
        await other.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));
        Assert.Equal(1L, (await other.GetSessionAsync("s"))!.EventCount);
    }

    [Fact]
    public async Task Frozen_between_reading_a_session_and_its_events_the_server_ends_its_snapshot_after_the_command_timeout()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout));
        await frozen.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));

        // The events table is locked by the test, so the read's statement on it waits, its snapshot taken; the proxy freezes,
        // the lock goes, the statement ends, and the repeatable-read transaction waits, idle, for a client that says nothing:
        // it holds back VACUUM's horizon on the whole server until it ends.
        await using var holder = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await holder.OpenAsync();
        await using var lockTable = await holder.BeginTransactionAsync();
        await HolderAsync("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
        var reading = frozen.GetSessionWithEventsAsync("s");
        var held = await FreezeInsideAsync(
            proxy,
            async () => await HolderAsync("SELECT pid FROM pg_locks WHERE locktype = 'relation' AND relation = 'events'::regclass AND NOT granted") as int?,
            () => lockTable.CommitAsync(),
            pid => ScalarAsync($"SELECT state FROM pg_stat_activity WHERE pid = {pid}"));

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => reading);

        async Task<object?> HolderAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, holder, lockTable);
            return await command.ExecuteScalarAsync();
        }
    }

    [Fact]
    public async Task A_client_thawed_after_the_server_ended_its_transaction_gets_a_trace_store_exception_naming_the_location_and_its_next_write_works()
    {
        // The client's own command timeout (30 s) is far off, as for a paused process whose timers do not run either; the
        // server's idle limit (a second, as ALTER ROLE ... SET would give) ends the transaction while it is frozen.
        await using var proxy = await TcpProxy.StartAsync();
        var options = Through(proxy, TimeSpan.FromSeconds(30));
        options.ConnectionString += ";Options=-c idle_in_transaction_session_timeout=1000";
        await using var store = new PostgresTraceStore(options);
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "sessions", "NEW.event_count > OLD.event_count");

        var writing = store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 2)]));
        var held = await FreezeInsideAsync(proxy, trap);
        Assert.InRange(held, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.False(writing.IsCompleted);
        proxy.Thaw();

        var error = await Assert.ThrowsAsync<TraceStoreException>(() => writing);
        Assert.Contains($"'{store.Location}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("25P03", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TcpProxy.Password, error.Message, StringComparison.Ordinal);
        await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("s", 2)]));
        Assert.Equal(2L, (await store.GetSessionAsync("s"))!.EventCount);
    }

    [Fact]
    public async Task Frozen_while_ending_a_session_with_its_webhook_the_server_ends_its_transaction_after_the_command_timeout()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout)) { Webhooks = Publisher("ci") };
        await using var other = new PostgresTraceStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await frozen.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], []));
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "sessions", "NEW.status <> 0");

        // The end's transaction holds the session's row while it writes the session.completed rows.
        var ending = frozen.CompleteSessionAsync(TraceSchema.Completed("s"));
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => ending);
        await other.SetOutcomeAsync("s", new SessionOutcome { Label = "good", Source = "reviewer" });
        Assert.Equal(SessionStatus.Running, (await other.GetSessionAsync("s"))!.Status);
        Assert.Equal(0L, await ScalarAsync("SELECT count(*) FROM webhook_events"));
    }

    [Fact]
    public async Task Frozen_while_importing_the_server_ends_the_import_after_the_command_timeout_and_another_import_of_the_same_sessions_works()
    {
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout));
        await using var other = new PostgresTraceStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await frozen.InitializeAsync();
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "sessions", "NEW.event_count > 0");
        var finished = TraceSchema.Session("s") with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddHours(1) };
        SessionWithEvents[] sessions = [new(finished, [TraceSchema.Note("s", 1), TraceSchema.Note("s", 2)])];

        // The import has inserted the session (not committed): an import of the same id waits on that row.
        var importing = frozen.ImportAsync(sessions);
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => importing);
        Assert.Equal(1, await other.ImportAsync(sessions));
        Assert.Equal(2L, (await other.GetSessionAsync("s"))!.EventCount);
    }

    [Fact]
    public async Task Frozen_while_recording_a_delivery_attempt_the_server_ends_its_transaction_and_other_dispatchers_record_theirs()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var clock = new FakeTimeProvider(Now);
        await using var frozen = new PostgresWebhookOutboxStore(Through(proxy, FrozenTimeout), clock);
        await using var other = new PostgresWebhookOutboxStore(WithTimeout(Options, TimeSpan.FromSeconds(2)), clock);
        var first = (await other.EnqueueAsync(Event(0), ["ci"]))[0];
        var second = (await other.EnqueueAsync(Event(1), ["ci"]))[0];
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "webhook_deliveries", "NEW.attempts > OLD.attempts");

        // The attempt's transaction holds the delivery's row and its endpoint's, which every attempt to the endpoint locks.
        var recording = frozen.RecordAttemptAsync(Failed(first));
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => recording);
        var (recorded, endpoint) = await other.RecordAttemptAsync(Failed(second));
        Assert.Equal((WebhookDeliveryState.Dead, 1), (recorded.State, endpoint.ConsecutiveFailures));
        Assert.Equal(0, (await other.GetAsync(first.Id))!.Attempts);
    }

    [Fact]
    public async Task Frozen_while_the_server_sends_it_a_locked_delivery_larger_than_the_socket_buffers_the_server_ends_its_transaction_after_the_command_timeout()
    {
        await using var proxy = await TcpProxy.StartAsync();
        var clock = new FakeTimeProvider(Now);
        var options = Through(proxy, FrozenTimeout);
        var name = "frozen-" + Schema;
        options.ConnectionString += ";Maximum Pool Size=1;Application Name=" + name;
        await using var frozen = new PostgresWebhookOutboxStore(options, clock);
        await using var other = new PostgresWebhookOutboxStore(WithTimeout(Options, TimeSpan.FromSeconds(30)), clock);
        var body = new JsonObject { ["text"] = new string('x', 12 << 20) };
        var big = (await other.EnqueueAsync(WebhookEvent.Create("a.b", Now, body), ["ci"]))[0];
        Assert.Null(await frozen.GetAsync("none"));

        // The host stops reading once its transaction has begun (the replies to its first statements, a few bytes, pass):
        // the server locks the delivery's row and blocks sending the 12 MB row back. It is "active" (waiting on
        // ClientWrite), where idle_in_transaction_session_timeout does not apply.
        proxy.FreezeReplies(afterBytes: 64 * 1024);
        var recording = frozen.RecordAttemptAsync(Failed(big));
        var held = await FreezeInsideAsync(
            proxy,
            async () => await ScalarAsync($"SELECT pid FROM pg_stat_activity WHERE application_name = '{name}' AND wait_event = 'ClientWrite'") as int?,
            () => Task.CompletedTask,
            pid => ScalarAsync($"SELECT state FROM pg_stat_activity WHERE pid = {pid}"));

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        var (recorded, _) = await other.RecordAttemptAsync(Failed(big));
        Assert.Equal(1, recorded.Attempts);
        proxy.Down();
        await Assert.ThrowsAsync<TraceStoreException>(() => recording);
    }

    [Fact]
    public async Task Frozen_while_migrating_the_server_ends_the_migration_after_the_command_timeout_and_another_instance_migrates()
    {
        // The first instance of a new version migrates under the schema's advisory lock, which every other instance starting
        // waits on (and, for an ALTER TABLE, a lock every instance's statements on that table wait on). The schema and its
        // schema_versions table are made first, as an earlier component would have, so that the trap has its table.
        await ExecuteAsync($"CREATE SCHEMA \"{Schema}\"; CREATE TABLE \"{Schema}\".schema_versions (component text PRIMARY KEY, version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())");
        await using var proxy = await TcpProxy.StartAsync();
        await using var frozen = new PostgresTraceStore(Through(proxy, FrozenTimeout));
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "schema_versions", "NEW.component = 'traces'", "INSERT");

        // The migration has made the tables (not committed) and is recording its version when its host freezes.
        var migrating = frozen.InitializeAsync();
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, FrozenTimeout + TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<TraceStoreException>(() => migrating);
        await using var other = new PostgresTraceStore(WithTimeout(Options, TimeSpan.FromSeconds(2)));
        await other.WriteAsync(new TraceWriteBatch([TraceSchema.Session("s")], [TraceSchema.Note("s", 1)]));
        Assert.Equal(1L, (await other.GetSessionAsync("s"))!.EventCount);
    }

    [Fact]
    public async Task A_server_idle_limit_shorter_than_the_command_timeout_is_kept_inside_a_change()
    {
        // The server (here the role's connection, as ALTER ROLE ... SET would) ends transactions idle for a second; the
        // store's own limit is its 30 s command timeout, and must not lengthen the server's.
        await using var proxy = await TcpProxy.StartAsync();
        var options = Through(proxy, TimeSpan.FromSeconds(30));
        options.ConnectionString += ";Options=-c idle_in_transaction_session_timeout=1000";
        await using var frozen = new PostgresMemoryStore(options, new FakeTimeProvider(Now));
        var scope = MemoryScope.Agent("bot");
        var proposal = await frozen.ProposeAsync(Proposal(scope, null, MemoryAuthor.Person("alice"), "i1"));
        await using var trap = await StatementTrap.SetAsync(PostgresTestServer.ConnectionString!, Schema, "memory_versions", "NEW.state = 'active'");

        var approving = frozen.ApproveAsync(proposal.Id, MemoryAuthor.Person("alice"));
        var held = await FreezeInsideAsync(proxy, trap);

        Assert.InRange(held, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        proxy.Down();
        await Assert.ThrowsAnyAsync<Exception>(() => approving);
        await using var other = new PostgresMemoryStore(Options, new FakeTimeProvider(Now));
        Assert.Equal(MemoryVersionState.Active, (await other.ApproveAsync(proposal.Id, MemoryAuthor.Person("bob"))).State);
    }

    /// <summary>Waits until the store's statement is caught, freezes the proxy, lets the statement finish (its transaction
    /// then waits, idle, for a client that says nothing) and returns how long the server kept that transaction, at most 20 s.</summary>
    private static Task<TimeSpan> FreezeInsideAsync(TcpProxy proxy, StatementTrap trap) =>
        FreezeInsideAsync(proxy, trap.CaughtAsync, trap.ReleaseAsync, async pid => await trap.StateAsync(pid));

    /// <summary>As <see cref="FreezeInsideAsync(TcpProxy, StatementTrap)"/>, for a statement the test holds otherwise: the
    /// server process <paramref name="caught"/> finds waiting, let go by <paramref name="release"/>, alive while
    /// <paramref name="state"/> finds it.</summary>
    private static async Task<TimeSpan> FreezeInsideAsync(TcpProxy proxy, Func<Task<int?>> caught, Func<Task> release, Func<int, Task<object?>> state)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        int? pid;
        while ((pid = await caught()) is null)
        {
            Assert.True(DateTime.UtcNow < until, "the store's statement was not caught within 30 s");
            await Task.Delay(20);
        }

        proxy.Freeze();
        await release();
        var held = Stopwatch.StartNew();
        while (await state(pid.Value) is not null && held.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        return held.Elapsed;
    }

    private static PostgresStoreOptions WithTimeout(PostgresStoreOptions options, TimeSpan commandTimeout)
    {
        options.CommandTimeout = commandTimeout;
        return options;
    }

    private PostgresStoreOptions Through(TcpProxy proxy, TimeSpan commandTimeout) => WithTimeout(proxy.Options(Schema), commandTimeout);

    private static WebhookEvent Event(int i) => WebhookEvent.Create("a.b", Now, new JsonObject { ["i"] = i });

    // A last failed attempt: the delivery is dead, which counts as one more failure of its endpoint.
    private static WebhookAttemptResult Failed(WebhookDelivery delivery) =>
        new() { DeliveryId = delivery.Id, AttemptedAt = Now, StatusCode = 500, Error = "500", NextAttemptAt = null };

    private static WebhookPublisher Publisher(string endpointId)
    {
        var options = new WebhookOptions { AllowPrivateNetworks = true };
        var endpoint = new WebhookEndpoint { Id = endpointId, Url = $"https://{endpointId}.example.com/hook" };
        endpoint.Secrets.Add(WebhookSecret.Generate());
        options.Endpoints.Add(endpoint);
        return new WebhookPublisher(Microsoft.Extensions.Options.Options.Create(options), new InMemoryWebhookOutboxStore());
    }
}
