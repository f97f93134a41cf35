using System.Globalization;
using Npgsql;

namespace Dreaming.PostgreSql.Tests;

/// <summary>The trace store's batch at its edges: more rows than one statement's parameters could carry, hostile text in
/// the statement that creates sessions with their events, and other instances changing its sessions at the same moment.</summary>
public sealed class PostgresTraceBatchLimitsTests : IAsyncLifetime
{
    private readonly TraceSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_creating_more_sessions_than_one_statement_has_parameters_for_is_written_whole(bool withEvents)
    {
        // A statement carries at most 65,535 parameters (the protocol counts them in 16 bits): 3,121 sessions of 21 values
        // each are more. The trace writer puts every session that started since its last write in one batch (only events
        // bound it), so a burst of starts while the store is slow makes such a batch.
        var store = _schema.NewStore();
        const int Sessions = 3_200;
        var sessions = Enumerable.Range(0, Sessions).Select(i => TraceSchema.Session($"s{i:D5}")).ToArray();
        SessionEvent[] events = withEvents ? [.. sessions.Select(s => TraceSchema.Note(s.Id, 1))] : [];

        await store.WriteAsync(new TraceWriteBatch(sessions, events));

        var page = await store.QuerySessionsAsync(new SessionQuery { PageSize = 500 });
        Assert.Equal(500, page.Items.Count);
        Assert.Equal(Sessions, await CountAsync("SELECT count(*) FROM sessions"));
        Assert.Equal(withEvents ? Sessions : 0, await CountAsync("SELECT count(*) FROM events"));
        Assert.Equal(withEvents ? Sessions : 0, await CountAsync("SELECT sum(event_count) FROM sessions"));
    }

    [Fact]
    public async Task Batches_creating_different_numbers_of_sessions_send_the_same_statement_texts()
    {
        // docs/postgresql.md: "the stores' statement texts are fixed, so they prepare well": a text per number of new
        // sessions would take one of automatic preparation's few slots (Max Auto Prepare) for each, pushing out the rest.
        var store = _schema.NewStore();
        await store.InitializeAsync();
        var withEvents = new HashSet<string>(StringComparer.Ordinal);
        var withoutEvents = new HashSet<string>(StringComparer.Ordinal);
        for (var count = 1; count <= 4; count++)
        {
            var ids = Enumerable.Range(0, count).Select(i => $"e{count}-{i}").ToArray();
            var (_, creating) = await NpgsqlCommands.OfAsync(async () =>
            {
                await store.WriteAsync(new TraceWriteBatch([.. ids.Select(id => TraceSchema.Session(id))], [.. ids.Select(id => TraceSchema.Note(id, 1))]));
                return true;
            });
            withEvents.Add(Assert.Single(creating).Split(";\n")[0]);
            var (_, only) = await NpgsqlCommands.OfAsync(async () =>
            {
                await store.WriteAsync(new TraceWriteBatch([.. ids.Select(id => TraceSchema.Session("o" + id))], []));
                return true;
            });
            withoutEvents.Add(Assert.Single(only));
        }

        Assert.Single(withEvents);
        Assert.Single(withoutEvents);
    }

    [Fact]
    public async Task Hostile_text_in_new_sessions_and_a_thousand_events_with_a_megabyte_one_round_trips_in_the_one_statement()
    {
        var store = _schema.NewStore();
        const string Hostile = "nul\u0000 lone\uD800 high \uDFFF end \\0 \\u0000 ' \" ; -- $1";
        var megabyte = new string('\u0000', 1 << 19) + new string('\u00e9', 1 << 19);
        var sessions = new[]
        {
            TraceSchema.Session("id\u0000nul") with { Task = Hostile, Metadata = new Dictionary<string, string> { [Hostile] = Hostile }, Scope = Hostile },
            TraceSchema.Session("plain") with { AgentVersion = Hostile, ParentSessionId = "id\u0000nul" },
        };
        var events = Enumerable.Range(1, 1_000).Select(i => TraceSchema.Note(sessions[i % 2].Id, i, i == 500 ? megabyte : Hostile + i)).ToArray();

        await store.WriteAsync(new TraceWriteBatch(sessions, events));

        var read = (await store.GetSessionWithEventsAsync(sessions[0].Id))!;
        var replaced = Hostile.Replace('\uD800', '\uFFFD').Replace('\uDFFF', '\uFFFD');
        Assert.Equal((replaced, replaced), (read.Session.Task, read.Session.Scope));
        Assert.Contains(read.Session.Metadata.Single().Key, new[] { Hostile, replaced });
        Assert.Equal(500, read.Events.Count);
        Assert.Equal(500L, read.Session.EventCount);
        Assert.Equal(megabyte, ((NoteEvent)read.Events.Single(e => e.Sequence == 500)).Text);
        Assert.Equal(("id\u0000nul", replaced), ((await store.GetSessionAsync("plain"))!.ParentSessionId, (await store.GetSessionAsync("plain"))!.AgentVersion));
    }

    [Fact]
    public async Task Batches_racing_ends_grades_and_purges_from_another_instance_keep_every_count_exact()
    {
        // Each batch either lands whole before its session's end, or is refused whole: the stored events of every session
        // are those of its accepted batches, its count says so, and an ended session gets nothing after its end.
        var writer = _schema.NewStore();
        var other = _schema.NewStore();
        const int Sessions = 12, Batches = 25;
        var accepted = new long[Sessions];
        await writer.WriteAsync(new TraceWriteBatch([.. Enumerable.Range(0, Sessions).Select(i => TraceSchema.Session($"r{i:D2}", "agent", i))], []));

        async Task AppendAsync(int session)
        {
            for (var b = 0; b < Batches; b++)
            {
                var id = $"r{session:D2}";
                try
                {
                    await writer.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note(id, (2 * b) + 1), TraceSchema.Note(id, (2 * b) + 2)]));
                    Interlocked.Add(ref accepted[session], 2);
                }
                catch (SessionStateException)
                {
                    return;
                }
            }
        }

        async Task DisturbAsync()
        {
            for (var i = 0; i < Sessions; i++)
            {
                var id = $"r{i:D2}";
                await Task.Delay(Random.Shared.Next(5, 40));
                await other.SetOutcomeAsync(id, SessionOutcome.Succeeded());
                await other.CompleteSessionAsync(TraceSchema.Completed(id) with { EndedAt = TraceSchema.BaseTime.AddMinutes(i) });
                if (i % 3 == 0)
                {
                    Assert.True(await other.PurgeAsync(TraceSchema.BaseTime.AddMinutes(0.5)) <= 1);
                }
            }
        }

        await Task.WhenAll([.. Enumerable.Range(0, Sessions).Select(i => Task.Run(() => AppendAsync(i))), Task.Run(DisturbAsync)]);

        for (var i = 0; i < Sessions; i++)
        {
            var session = await other.GetSessionWithEventsAsync($"r{i:D2}");
            if (session is null)
            {
                Assert.Equal(0, i);
                continue;
            }

            Assert.Equal(SessionStatus.Completed, session.Session.Status);
            Assert.Equal(accepted[i], session.Session.EventCount);
            Assert.Equal(accepted[i], session.Events.Count);
            Assert.Equal(Enumerable.Range(1, (int)accepted[i]).Select(n => (long)n), session.Events.Select(e => e.Sequence));
        }

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = e.session_id)"));
    }

    [Fact]
    public async Task Two_instances_appending_the_same_sequence_numbers_at_once_store_each_once()
    {
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        await first.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a"), TraceSchema.Session("b")], []));
        var refused = 0;
        async Task AppendAsync(PostgresTraceStore store)
        {
            for (var seq = 1; seq <= 40; seq++)
            {
                try
                {
                    await store.WriteAsync(TraceWriteBatch.OfEvents([TraceSchema.Note("b", seq), TraceSchema.Note("a", seq)]));
                }
                catch (SessionStateException exception)
                {
                    Assert.Contains("already has an event", exception.Message, StringComparison.Ordinal);
                    Interlocked.Increment(ref refused);
                }
            }
        }

        await Task.WhenAll(Task.Run(() => AppendAsync(first)), Task.Run(() => AppendAsync(second)));

        Assert.Equal(40, refused);
        foreach (var id in new[] { "a", "b" })
        {
            var session = (await second.GetSessionWithEventsAsync(id))!;
            Assert.Equal(40L, session.Session.EventCount);
            Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), session.Events.Select(e => e.Sequence));
        }
    }

    [Fact]
    public async Task A_batch_creating_a_finished_session_with_events_is_refused_for_its_end_as_before()
    {
        // The refusal is decided after the rollback, which takes the batch's own new session with it: the read cannot see
        // that session's status, only the batch can (the SQLite store, and this one before, said it had ended).
        var store = _schema.NewStore();
        await store.WriteAsync(new TraceWriteBatch([TraceSchema.Session("a")], []));
        var finished = TraceSchema.Session("n") with { Status = SessionStatus.Failed, EndedAt = TraceSchema.BaseTime.AddHours(1) };

        var refused = await Assert.ThrowsAsync<SessionStateException>(() => store.WriteAsync(new TraceWriteBatch([finished], [TraceSchema.Note("a", 1), TraceSchema.Note("n", 3)])));

        Assert.Equal("Session 'n' has already ended (Failed); event 3 cannot be appended.", refused.Message);
        Assert.Null(await store.GetSessionAsync("n"));
        Assert.Equal(0L, (await store.GetSessionAsync("a"))!.EventCount);
    }

    [Fact]
    public async Task Batches_and_imports_of_the_same_ids_from_two_instances_keep_each_session_whole_from_one_of_them()
    {
        // The batch inserts its sessions (in id order, in the WITH of its events' insert) as the import does (in id order),
        // and before its events: neither deadlocks the other, and each id ends up with the sessions and events of exactly
        // one of them. (A WITH the main statement does not read runs after it: the batch's events went in first, and an
        // import that had inserted a session waited on them while the batch waited on its session, a deadlock, 40P01.)
        var batches = _schema.NewStore();
        var imports = _schema.NewStore();
        const int Rounds = 10, BatchEvents = 1_500, ImportEvents = 1_000;
        var batchWon = 0;
        async Task BatchAsync()
        {
            for (var r = 0; r < Rounds; r++)
            {
                string[] ids = [$"x{r:D2}-b", $"x{r:D2}-a"];
                try
                {
                    await batches.WriteAsync(new TraceWriteBatch([.. ids.Select(id => TraceSchema.Session(id))], [.. ids.SelectMany(id => Enumerable.Range(1, BatchEvents).Select(seq => TraceSchema.Note(id, seq)))]));
                    Interlocked.Increment(ref batchWon);
                }
                catch (SessionStateException exception)
                {
                    Assert.StartsWith("A session of the batch already exists", exception.Message, StringComparison.Ordinal);
                }
            }
        }

        var imported = 0;
        async Task ImportAsync()
        {
            for (var r = 0; r < Rounds; r++)
            {
                var finished = new[] { $"x{r:D2}-a", $"x{r:D2}-b" }.Select(id => new SessionWithEvents(
                    TraceSchema.Session(id) with { Status = SessionStatus.Completed, EndedAt = TraceSchema.BaseTime.AddHours(1) },
                    [.. Enumerable.Range(1, ImportEvents).Select(seq => TraceSchema.Note(id, seq))]));
                imported += await imports.ImportAsync([.. finished]);
            }
        }

        await Task.WhenAll(Task.Run(BatchAsync), Task.Run(ImportAsync));

        for (var r = 0; r < Rounds; r++)
        {
            var pair = await Task.WhenAll(new[] { $"x{r:D2}-a", $"x{r:D2}-b" }.Select(id => imports.GetSessionWithEventsAsync(id)));
            Assert.All(pair, s => Assert.NotNull(s));
            var byBatch = pair[0]!.Session.Status == SessionStatus.Running;
            foreach (var session in pair)
            {
                Assert.Equal(byBatch ? SessionStatus.Running : SessionStatus.Completed, session!.Session.Status);
                Assert.Equal(byBatch ? BatchEvents : ImportEvents, session.Events.Count);
                Assert.Equal(session.Events.Count, session.Session.EventCount);
            }
        }

        Assert.Equal(2 * Rounds, (2 * batchWon) + imported);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_instances_writing_the_same_events_in_other_orders_do_not_deadlock_one_is_refused(bool creatingTheSessions)
    {
        // Each batch's events are inserted before it locks its sessions (and, in the statement, before the new sessions of
        // its WITH): two batches repeating each other's sequence numbers, or creating the same sessions with their events,
        // each waited on an index entry the other had inserted (a deadlock the server ends with 40P01, a
        // TraceStoreException) unless both insert them in one order; the session locks taken first used to keep them apart.
        var first = _schema.NewStore();
        var second = _schema.NewStore();
        const int Rounds = 6, Events = 3_000;
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var round = 0; round < Rounds; round++)
        {
            var (idA, idB) = creatingTheSessions ? ($"a{round}", $"b{round}") : ("a", "b");
            SessionRecord[] sessions = creatingTheSessions ? [TraceSchema.Session(idA), TraceSchema.Session(idB)] : [];
            if (round == 0 && !creatingTheSessions)
            {
                await first.WriteAsync(new TraceWriteBatch([TraceSchema.Session(idA), TraceSchema.Session(idB)], []));
            }

            var offset = creatingTheSessions ? 0 : round * Events;
            var a = Enumerable.Range(1, Events).Select(i => TraceSchema.Note(idA, offset + i)).ToArray();
            var b = Enumerable.Range(1, Events).Select(i => TraceSchema.Note(idB, offset + i)).ToArray();
            var writes = new[]
            {
                Task.Run(() => first.WriteAsync(new TraceWriteBatch(sessions, [.. a, .. b]))),
                Task.Run(() => second.WriteAsync(new TraceWriteBatch([.. sessions.Reverse()], [.. b.Reverse(), .. a.Reverse()]))),
            };
            var failures = new List<Exception>();
            foreach (var write in writes)
            {
                try
                {
                    await write;
                }
                catch (Exception exception)
                {
                    failures.Add(exception);
                }
            }

            var failure = Assert.Single(failures);
            Assert.True(failure is SessionStateException, failure.Message);
            expected[idA] = expected.GetValueOrDefault(idA) + Events;
            expected[idB] = expected.GetValueOrDefault(idB) + Events;
        }

        foreach (var (id, count) in expected)
        {
            Assert.Equal(count, (await second.GetSessionAsync(id))!.EventCount);
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
