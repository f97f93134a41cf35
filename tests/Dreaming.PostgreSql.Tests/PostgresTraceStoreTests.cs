using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>What the trace store does that the conformance suite cannot show: several instances on one database,
/// instances that die, and text PostgreSQL cannot hold as it is.</summary>
public sealed class PostgresTraceStoreTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Two_instances_recording_sessions_at_once_keep_each_sessions_events_apart()
    {
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        const int Sessions = 20, Events = 30;

        // Each instance records its own sessions, event by event, while ending some of the other's: the locks on the
        // sessions' rows keep every event with its session and every count right.
        async Task RecordAsync(PostgresTraceStore store, string prefix)
        {
            await Task.WhenAll(Enumerable.Range(0, Sessions).Select(async i =>
            {
                var id = $"{prefix}-{i}";
                await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session(id, prefix, i)], []));
                for (var seq = 1; seq <= Events; seq += 3)
                {
                    await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note(id, seq), TraceSchema.Note(id, seq + 1), TraceSchema.Note(id, seq + 2)]));
                }

                await store.CompleteSessionAsync(TraceSchema.Completed(id));
            }));
        }

        await Task.WhenAll(Task.Run(() => RecordAsync(first, "a")), Task.Run(() => RecordAsync(second, "b")));

        foreach (var (reader, prefix) in new[] { (second, "a"), (first, "b") })
        {
            var page = await reader.QuerySessionsAsync(new SessionQuery { AgentId = prefix, PageSize = 100 });
            Assert.Equal(Sessions, page.Items.Count);
            foreach (var session in page.Items)
            {
                Assert.Equal(SessionStatus.Completed, session.Status);
                Assert.Equal(Events, session.EventCount);
                var events = await reader.GetEventsAsync(session.Id);
                Assert.Equal(Enumerable.Range(1, Events).Select(i => (long)i), events.Select(e => e.Sequence));
                Assert.All(events, e => Assert.StartsWith(session.Id + " note ", ((NoteEvent)e).Text, StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task Two_instances_appending_to_the_same_sessions_at_once_do_not_deadlock_and_count_every_event()
    {
        // Each batch's events take the foreign key's share lock on their sessions before the batch locks them for its
        // check: a lock that conflicted with that share (FOR UPDATE) would deadlock two batches of one session.
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        await first.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("b")], []));
        const int Batches = 40;
        async Task AppendAsync(PostgresTraceStore store, long offset)
        {
            for (var i = 0; i < Batches; i++)
            {
                var seq = offset + (2 * i);
                await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", seq), TraceSchema.Note("b", seq)]));
            }
        }

        await Task.WhenAll(Task.Run(() => AppendAsync(first, 1)), Task.Run(() => AppendAsync(second, 2)));

        foreach (var id in new[] { "a", "b" })
        {
            Assert.Equal(2L * Batches, (await second.GetSessionAsync(id))!.EventCount);
            Assert.Equal(2 * Batches, (await first.GetEventsAsync(id)).Count);
        }
    }

    [Fact]
    public async Task A_batch_with_several_faults_is_refused_for_the_one_a_batch_checking_in_turn_finds_first()
    {
        // The rows are written before the sessions are checked, so the server may refuse another fault first (a repeated
        // sequence before a session that exists); the message still names the session first, then an ended or missing one.
        var store = _schema.NewStore();
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("z")], [TraceSchema.Note("a", 1), TraceSchema.Note("z", 1)]));
        await store.CompleteSessionAsync(TraceSchema.Completed("z"));

        async Task<string> RefusedAsync(TraceWriteBatch batch) => (await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(batch))).Message;

        Assert.StartsWith("A session of the batch already exists (one of 'n', 'a')", await RefusedAsync(new TraceWriteBatch([TraceSchema.Session("n"), TraceSchema.Session("a")], [TraceSchema.Note("a", 1), TraceSchema.Note("n", 1)])), StringComparison.Ordinal);
        Assert.StartsWith("A session of the batch already exists (session 'n' is created twice)", await RefusedAsync(new TraceWriteBatch([TraceSchema.Session("n"), TraceSchema.Session("n")], [TraceSchema.Note("a", 1)])), StringComparison.Ordinal);
        Assert.Equal("Session 'z' has already ended (Completed); event 1 cannot be appended.", await RefusedAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 1), TraceSchema.Note("z", 1)])));
        Assert.Equal("Event 4 names session 'm', which does not exist.", await RefusedAsync(new TraceWriteBatch([TraceSchema.Session("n")], [TraceSchema.Note("n", 1), TraceSchema.Note("a", 1), TraceSchema.Note("m", 4)])));
        Assert.StartsWith("Session 'n' gets two events with sequence 1", await RefusedAsync(new TraceWriteBatch([TraceSchema.Session("n")], [TraceSchema.Note("n", 1), TraceSchema.Note("n", 1)])), StringComparison.Ordinal);
        Assert.StartsWith("A session of the batch already has an event", await RefusedAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("a", 2), TraceSchema.Note("a", 1)])), StringComparison.Ordinal);

        // Nothing of any of them was written.
        Assert.Null(await store.GetSessionAsync("n"));
        Assert.Equal((1L, 1L), ((await store.GetSessionAsync("a"))!.EventCount, (await store.GetSessionAsync("z"))!.EventCount));
    }

    [Fact]
    public async Task Two_instances_creating_the_same_sessions_in_opposite_orders_do_not_deadlock_one_is_refused()
    {
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        const int Sessions = 200;

        // As the in-memory and SQLite stores do with one writer: the first batch creates the sessions, the other is
        // refused whole (SessionStateException). Inserting in the given orders, the two met in the middle, each waiting on
        // the other's new rows, and the server ended one with a deadlock (40P01, a TraceStoreException).
        for (var round = 0; round < 3; round++)
        {
            var ids = Enumerable.Range(0, Sessions).Select(i => $"r{round}-{i:D3}").ToList();
            var up = new TraceWriteBatch([.. ids.Select(id => TraceSchema.Session(id))], []);
            var down = new TraceWriteBatch([.. Enumerable.Reverse(ids).Select(id => TraceSchema.Session(id))], []);
            var outcomes = await Task.WhenAll(OutcomeAsync(first, up), OutcomeAsync(second, down));

            Assert.Single(outcomes, outcome => outcome is null);
            Assert.IsType<SessionStateException>(Assert.Single(outcomes, outcome => outcome is not null));
            Assert.Equal(Sessions, (await first.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items.Count(s => s.Id.StartsWith($"r{round}-", StringComparison.Ordinal)));
        }

        static async Task<Exception?> OutcomeAsync(PostgresTraceStore store, TraceWriteBatch batch)
        {
            await Task.Yield();
            try
            {
                await store.WriteAsync(batch);
                return null;
            }
            catch (Exception exception) when (exception is SessionStateException or TraceStoreException)
            {
                return exception;
            }
        }
    }

    [Fact]
    public async Task Two_instances_importing_the_same_sessions_in_opposite_orders_do_not_deadlock_and_each_is_kept_once()
    {
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        const int Sessions = 200;

        // An import skips ids that exist; inserting in the given orders, the two waited on each other's new rows and the
        // server ended one with a deadlock (40P01, a TraceStoreException).
        var ids = Enumerable.Range(0, Sessions).Select(i => $"i-{i:D3}").ToList();
        SessionWithEvents Finished(string id) => new(TraceSchema.Session(id) with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddHours(1) }, [TraceSchema.Note(id, 1)]);
        var imported = await Task.WhenAll(
            Task.Run(() => first.ImportAsync([.. ids.Select(Finished)])),
            Task.Run(() => second.ImportAsync([.. Enumerable.Reverse(ids).Select(Finished)])));

        Assert.Equal(Sessions, imported.Sum());
        Assert.Equal(Sessions, (await first.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items.Count);
    }

    [Fact]
    public async Task An_end_by_one_instance_and_events_by_another_never_leave_events_after_the_end()
    {
        var recorder = _schema.NewStore();
        var ender = _schema.NewStore();
        for (var round = 0; round < 20; round++)
        {
            var id = "race-" + round;
            await recorder.WriteAsync(new TraceWriteBatch([TraceSchema.Session(id)], []));
            var appending = Task.Run(async () =>
            {
                for (var seq = 1; ; seq++)
                {
                    try
                    {
                        await recorder.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note(id, seq)]));
                    }
                    catch (SessionStateException)
                    {
                        return seq - 1;
                    }
                }
            });
            await Task.Delay(round % 5);
            await ender.CompleteSessionAsync(TraceSchema.Completed(id));
            var appended = await appending;

            var stored = (await ender.GetSessionWithEventsAsync(id))!;
            Assert.Equal(appended, stored.Session.EventCount);
            Assert.Equal(appended, stored.Events.Count);
        }
    }

    [Fact]
    public async Task Sessions_acknowledged_by_an_instance_that_then_dies_are_read_whole_by_the_next_one()
    {
        var dying = _schema.NewStore();
        for (var i = 0; i < 10; i++)
        {
            var id = "acked-" + i;
            await dying.WriteAsync(new TraceWriteBatch([TraceSchema.Session(id, minutes: i)], [.. Enumerable.Range(1, 20).Select(seq => TraceSchema.Note(id, seq))]));
            await dying.CompleteSessionAsync(TraceSchema.Completed(id));
        }

        await dying.WriteAsync(new TraceWriteBatch([TraceSchema.Session("in-flight", minutes: 30)], [TraceSchema.Note("in-flight", 1)]));

        // A write that never committed (the instance died inside its transaction) leaves nothing.
        await using (var connection = await _schema.ConnectionString.OpenAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand($"INSERT INTO \"{_schema.Schema}\".events (session_id, seq, ts, type, payload) VALUES ('in-flight', 2, 0, 'note', '{{}}')", connection, transaction);
            await insert.ExecuteNonQueryAsync();
            Assert.True(await _schema.TerminateConnectionsAsync() >= 2);
        }

        // The instance is gone without disposing its store; a new instance on another pool reads what it acknowledged.
        await using var next = new PostgresTraceStore(_schema.Options());
        for (var i = 0; i < 10; i++)
        {
            var stored = (await next.GetSessionWithEventsAsync("acked-" + i))!;
            Assert.Equal(SessionStatus.Completed, stored.Session.Status);
            Assert.Equal(SessionOutcome.Success, stored.Session.Outcome?.Label);
            Assert.Equal(Enumerable.Range(1, 20).Select(seq => (long)seq), stored.Events.Select(e => e.Sequence));
        }

        var running = (await next.QuerySessionsAsync(new SessionQuery { Status = SessionStatus.Running })).Items;
        Assert.Equal("in-flight", Assert.Single(running).Id);
        Assert.Equal(1, running[0].EventCount);
        Assert.Equal(["in-flight"], await next.AbandonRunningSessionsAsync(DateTimeOffset.UtcNow));
        Assert.Equal(SessionStatus.Abandoned, (await next.GetSessionAsync("in-flight"))!.Status);
    }

    [Fact]
    public async Task Text_postgresql_cannot_hold_as_it_is_comes_back_as_given_and_is_found_by_filters()
    {
        var store = _schema.NewStore();
        var megabyte = new string('x', 1 << 20) + "\0end";
        var hostile = new SessionRecord
        {
            Id = "id\0with nul",
            AgentId = "agent\0",
            AgentVersion = "\uFFFFv",
            Scope = "team\0a",
            // Longer than the strings Microsoft.Data.Sqlite binds by their length (300 were, 600 were not) (the SQLite store once
            // kept only what came before the NUL of a longer one).
            Task = "ends with NUL\0 and \uFFFF\uFFFF0 marker-like text \uFFFF0" + new string('t', 2_000),
            ParentSessionId = "\0",
            StartedAt = TraceSchema.BaseTime,
            MemoryVersionId = "m\0",
            InsightIds = ["i\0"],
            Metadata = new Dictionary<string, string> { ["k\0"] = "v\0" },
            Outcome = new SessionOutcome { Label = "label\0", Source = "src\0" },
        };
        var plain = TraceSchema.Session("plain", agentId: "agent");
        var halves = TraceSchema.Session("halves", agentId: "other") with { AgentVersion = "prompt\uD800" };

        await store.WriteAsync(new TraceWriteBatch([hostile, plain, halves], [TraceSchema.Note(hostile.Id, 1, megabyte), TraceSchema.Note(hostile.Id, 2, "lone \uD800 half")]));

        var stored = (await store.GetSessionWithEventsAsync(hostile.Id))!;
        Assert.Equal(hostile.Id, stored.Session.Id);
        Assert.Equal(hostile.AgentId, stored.Session.AgentId);
        Assert.Equal(hostile.AgentVersion, stored.Session.AgentVersion);
        Assert.Equal(hostile.Scope, stored.Session.Scope);
        Assert.Equal(hostile.Task, stored.Session.Task);
        Assert.Equal(hostile.ParentSessionId, stored.Session.ParentSessionId);
        Assert.Equal(hostile.MemoryVersionId, stored.Session.MemoryVersionId);
        Assert.Equal(hostile.InsightIds, stored.Session.InsightIds);
        Assert.Equal("v\0", stored.Session.Metadata["k\0"]);
        Assert.Equal(hostile.Outcome, stored.Session.Outcome);
        Assert.Equal(megabyte, ((NoteEvent)stored.Events[0]).Text);

        // Half a surrogate pair is not text: it comes back as U+FFFD, as from the SQLite store.
        Assert.Equal("lone \uFFFD half", ((NoteEvent)stored.Events[1]).Text);
        Assert.Equal("prompt\uFFFD", (await store.GetSessionAsync("halves"))!.AgentVersion);

        Assert.Equal([hostile.Id], (await store.QuerySessionsAsync(new SessionQuery { AgentId = "agent\0" })).Items.Select(s => s.Id));
        Assert.Equal(["plain"], (await store.QuerySessionsAsync(new SessionQuery { AgentId = "agent" })).Items.Select(s => s.Id));
        Assert.Equal([hostile.Id], (await store.QuerySessionsAsync(new SessionQuery { Scope = "team\0a" })).Items.Select(s => s.Id));
        Assert.Equal([hostile.Id], (await store.QuerySessionsAsync(new SessionQuery { ParentSessionId = "\0" })).Items.Select(s => s.Id));
        Assert.Equal([hostile.Id], (await store.QuerySessionsAsync(new SessionQuery { OutcomeLabel = "label\0" })).Items.Select(s => s.Id));
        Assert.Equal(2, (await store.GetEventsAsync(hostile.Id, [EventTypes.Note])).Count);
        await store.CompleteSessionAsync(TraceSchema.Completed(hostile.Id));
        await store.SetOutcomeAsync(hostile.Id, SessionOutcome.Failed());
        Assert.Equal(SessionStatus.Completed, (await store.GetSessionAsync(hostile.Id))!.Status);

        // Ordinary text is stored as it is, readable and comparable in SQL.
        await using var connection = await _schema.ConnectionString.OpenAsync();
        await using var read = new NpgsqlCommand($"SELECT agent_id, task FROM \"{_schema.Schema}\".sessions WHERE id = 'plain'", connection);
        await using var row = await read.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(("agent", "task of plain"), (row.GetString(0), row.GetString(1)));
    }

    [Fact]
    public async Task Sessions_started_in_one_millisecond_page_once_each_by_code_point_with_escaped_ids_last()
    {
        // Ids that differ by case, above U+FFFF, or hold a NUL or U+FFFF (stored escaped), all started at one time.
        string[] byCodePoint = ["A", "a", "a\u0001", "a\uE000", "a\uFFFD", "a\U0001F600", "b"];
        string[] escaped = ["a\0", "a\uFFFF", "\0", "\uFFFFz"];
        var store = _schema.NewStore();
        await store.WriteAsync(new TraceWriteBatch([.. byCodePoint.Concat(escaped).Reverse().Select(id => TraceSchema.Session(id))], []));

        foreach (var order in new[] { SessionOrder.OldestFirst, SessionOrder.NewestFirst })
        {
            var paged = new List<string>();
            var query = new SessionQuery { Order = order, PageSize = 1 };
            while (paged.Count <= 11)
            {
                var page = await store.QuerySessionsAsync(query);
                paged.AddRange(page.Items.Select(session => session.Id));
                if (page.NextCursor is null)
                {
                    break;
                }

                query = query with { Cursor = page.NextCursor };
            }

            // Not the UTF-16 order of InMemoryTraceStore (which puts U+1F600 before U+E000, and "\0" first), as docs/postgresql.md says.
            var expected = byCodePoint.Concat(escaped).ToList();
            if (order == SessionOrder.NewestFirst)
            {
                expected.Reverse();
            }

            Assert.Equal(expected, paged);
            Assert.Equal(expected, (await store.QuerySessionsAsync(new SessionQuery { Order = order })).Items.Select(session => session.Id));
        }
    }
}

/// <summary>Opens a plain connection with a store's connection string, for what a test checks behind the store's back.</summary>
internal static class ConnectionStrings
{
    public static async Task<NpgsqlConnection> OpenAsync(this string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
