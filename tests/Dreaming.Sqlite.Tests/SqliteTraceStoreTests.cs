using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Sqlite.Tests;

public sealed class SqliteTraceStoreTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Ten_thousand_events_in_batches_of_500_all_land()
    {
        using var store = new SqliteTraceStore(_folder.File("bulk.db"));
        await store.WriteAsync(new TraceWriteBatch([Session("bulk")], []));

        for (var first = 1; first <= 10_000; first += 500)
        {
            await store.WriteAsync(TraceWriteBatch.OfEvents(Notes("bulk", first, 500)));
        }

        Assert.Equal(10_000, (await store.GetSessionAsync("bulk"))!.EventCount);
        var events = await store.GetEventsAsync("bulk");
        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_session_is_read_with_its_events_in_one_call_null_when_unknown_and_the_arguments_checked()
    {
        using var store = new SqliteTraceStore(_folder.File("one-read.db"));
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 3)));

        var read = await store.GetSessionWithEventsAsync("s1");
        Assert.Equal(3, read!.Session.EventCount);
        Assert.Equal([1L, 2L, 3L], read.Events.Select(e => e.Sequence));
        Assert.Null(await store.GetSessionWithEventsAsync("missing"));
        Assert.Equal("sessionId", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetSessionWithEventsAsync(null!))).ParamName);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetSessionWithEventsAsync("s1", new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Disposing_every_store_on_a_file_closes_it_so_its_wal_and_shm_are_gone()
    {
        var path = _folder.File("closed.db");
        using (var traces = new SqliteTraceStore(path))
        using (var memory = new SqliteMemoryStore(path))
        {
            await traces.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 3)));
            Assert.Equal(3, (await traces.GetEventsAsync("s1")).Count);     // a pooled reader opened
            Assert.Null(await memory.GetActiveVersionAsync(MemoryScope.Agent("a")));
            Assert.True(File.Exists(path + "-wal"));
        }

        // The last connection to close checkpoints the log and removes it: no reader is left open in the pool.
        Assert.False(File.Exists(path + "-wal"), "a connection still holds the database open");
        Assert.False(File.Exists(path + "-shm"));
    }

    [Fact]
    public async Task Two_hosts_on_one_file_starting_a_session_with_the_same_id_do_not_mix_it()
    {
        var path = _folder.File("same id é.db");
        await using var one = new ServiceCollection().AddDreamingAgents().UseSqliteStore(path).Services.BuildServiceProvider();
        await using var two = new ServiceCollection().AddDreamingAgents().UseSqliteStore(path).Services.BuildServiceProvider();
        var store = one.GetRequiredService<ITraceStore>();
        await using var first = one.GetRequiredService<IAgentSessionFactory>().StartSession(new AgentSessionOptions { AgentId = "agent", Task = "first", SessionId = "conv-1" });
        await first.RecordAsync(new NoteEvent { Text = "a1" });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await store.GetSessionAsync("conv-1"))?.EventCount != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first host's event was not written in time");
            await Task.Delay(5);
        }

        await using var second = two.GetRequiredService<IAgentSessionFactory>().StartSession(new AgentSessionOptions { AgentId = "agent", Task = "second", SessionId = "conv-1" });
        for (var i = 0; i < 4; i++)
        {
            await second.RecordAsync(new NoteEvent { Text = "b" + i });
        }

        await Assert.ThrowsAsync<SessionStateException>(() => second.CompleteAsync(SessionStatus.Failed));
        Assert.Equal(4, second.DroppedEventCount);
        await first.RecordAsync(new NoteEvent { Text = "a2" });
        await first.CompleteAsync();

        var stored = (await store.GetSessionAsync("conv-1"))!;
        Assert.Equal((SessionStatus.Completed, "first", 2L), (stored.Status, stored.Task, stored.EventCount));
        Assert.Equal(["a1", "a2"], (await store.GetEventsAsync("conv-1")).Cast<NoteEvent>().Select(e => e.Text));
    }

    [Fact]
    public async Task Two_stores_on_one_file_write_at_once_without_losing_anything()
    {
        var path = _folder.File("shared.db");
        using var first = new SqliteTraceStore(path);
        using var second = new SqliteTraceStore(path);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? first : second;
            var id = "s" + i;
            await store.WriteAsync(new TraceWriteBatch([Session(id)], []));
            for (var start = 1; start <= 100; start += 20)
            {
                await store.WriteAsync(TraceWriteBatch.OfEvents(Notes(id, start, 20)));
            }
        })));

        var page = await second.QuerySessionsAsync(new SessionQuery());
        Assert.Equal(10, page.Items.Count);
        Assert.All(page.Items, session => Assert.Equal(100, session.EventCount));
    }

    [Fact]
    public async Task Events_are_stored_as_typed_json_payloads_with_the_envelope_in_columns()
    {
        var path = _folder.File("format.db");
        using var store = new SqliteTraceStore(path);
        var call = new ToolCallEvent { SessionId = "s1", Sequence = 1, Timestamp = BaseTime, CallId = "c1", ToolName = "lookup", Arguments = "{}" };

        await store.WriteAsync(new TraceWriteBatch([Session("s1")], [call]));

        Assert.Equal(BaseTime.ToUnixTimeMilliseconds(), SqliteFiles.Long(path, "SELECT ts FROM events"));
        Assert.Equal(BaseTime.ToUnixTimeMilliseconds(), SqliteFiles.Long(path, "SELECT started_ms FROM sessions"));
        Assert.Equal(EventTypes.ToolCall, SqliteFiles.Scalar(path, "SELECT type FROM events"));
        var payload = (string)SqliteFiles.Scalar(path, "SELECT payload FROM events")!;
        Assert.Equal(JsonSerializer.Serialize<SessionEvent>(call), payload);
        Assert.StartsWith("{\"kind\":\"tool_call\"", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("SessionId", payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disposed_store_throws_ObjectDisposedException()
    {
        var store = new SqliteTraceStore(_folder.File("disposed.db"));
        await store.InitializeAsync();
        store.Dispose();
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteAsync(new TraceWriteBatch([Session("s1")], [])));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetSessionAsync("s1"));
    }

    [Theory]
    [InlineData("{\"text\":\"no kind\"}")]
    [InlineData("{\"kind\":\"from_a_newer_version\"}")]
    [InlineData("{\"kind\":\"note\",\"text\":5}")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    public async Task An_event_payload_this_library_cannot_read_is_a_TraceStoreException_naming_the_event(string payload)
    {
        var path = _folder.File("hostile-event.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 1)));
        }

        SqliteFiles.Execute(path, $"UPDATE events SET payload = '{payload}'");

        using var reopened = new SqliteTraceStore(path);
        var error = await Assert.ThrowsAsync<TraceStoreException>(() => reopened.GetEventsAsync("s1"));
        Assert.Contains("Event 1 of session 's1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_payload_whose_kind_comes_after_other_properties_is_read()
    {
        var path = _folder.File("kind-last.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.WriteAsync(new TraceWriteBatch([Session("s1")], Notes("s1", 1, 1)));
        }

        SqliteFiles.Execute(path, "UPDATE events SET payload = '{\"Text\":\"kind last\",\"kind\":\"note\"}'");

        using var reopened = new SqliteTraceStore(path);
        var note = Assert.IsType<NoteEvent>(Assert.Single(await reopened.GetEventsAsync("s1")));
        Assert.Equal("kind last", note.Text);
        Assert.Equal(1, note.Sequence);
    }

    [Theory]
    [InlineData("metadata = '[1,2]'", "metadata")]
    [InlineData("insight_ids = '{\"a\":1}'", "insight ids")]
    [InlineData("status = 9", "status 9")]
    public async Task A_session_row_this_library_cannot_read_is_a_TraceStoreException_naming_the_session(string change, string named)
    {
        var path = _folder.File("hostile-session.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));
        }

        SqliteFiles.Execute(path, $"UPDATE sessions SET {change}");

        using var reopened = new SqliteTraceStore(path);
        var error = await Assert.ThrowsAsync<TraceStoreException>(() => reopened.GetSessionAsync("s1"));
        Assert.Contains("Session 's1'", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TraceStoreException>(() => reopened.QuerySessionsAsync(new SessionQuery()));
    }

    [Fact]
    public async Task A_query_for_an_agent_or_scope_holding_half_a_surrogate_pair_is_refused_not_matched_as_U_FFFD()
    {
        // The ids are built here: SQLite keeps text as UTF-8, where "bot\uD800" would be "bot\uFFFD", another agent's id.
        using var store = new SqliteTraceStore(_folder.File("half.db"));
        await store.ImportAsync([new SessionWithEvents(Finished("other") with { AgentId = "bot\uFFFD", Scope = "team\uFFFD" }, [])]);

        var agent = await Assert.ThrowsAsync<ArgumentException>(() => store.QuerySessionsAsync(new SessionQuery { AgentId = "bot\uD800" }));
        Assert.Equal("AgentId", agent.ParamName);
        Assert.Contains("SessionQuery.AgentId has an unpaired surrogate (half a character, U+D800) at index 3", agent.Message, StringComparison.Ordinal);
        var scope = await Assert.ThrowsAsync<ArgumentException>(() => store.QuerySessionsAsync(new SessionQuery { Scope = "team\uDC00" }));
        Assert.Equal("Scope", scope.ParamName);

        // The id it stands for is still found by its own, valid, text.
        Assert.Single((await store.QuerySessionsAsync(new SessionQuery { AgentId = "bot\uFFFD", Scope = "team\uFFFD" })).Items);
    }

    [Fact]
    public async Task An_import_cancelled_while_it_writes_is_rolled_back_whole_and_throws()
    {
        // Ctrl+C during 'dreaming import': the token is cancelled while the store writes the third of 200 sessions
        // (when its events are read for writing, after the checks read them once). The import is one atomic operation, so
        // the store stops at the next session and keeps none of it.
        using var store = new SqliteTraceStore(_folder.File("cancelled import.db"));
        await store.ImportAsync([new SessionWithEvents(Finished("before"), Notes("before", 1, 2))]);
        using var cancellation = new CancellationTokenSource();
        var sessions = Enumerable.Range(1, 200)
            .Select(i => new SessionWithEvents(
                Finished("imported-" + i),
                i == 3 ? new CancelOnSecondRead(Notes("imported-3", 1, 5), cancellation) : Notes("imported-" + i, 1, 5)))
            .ToList();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ImportAsync(sessions, cancellation.Token));

        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.Equal(["before"], (await store.QuerySessionsAsync(new SessionQuery())).Items.Select(s => s.Id));

        // Nothing is left half-written or locked: the same import, not cancelled, then adds every session.
        Assert.Equal(200, await store.ImportAsync([.. sessions.Select(s => s with { Events = [.. s.Events] })]));
        Assert.Equal(201, (await store.QuerySessionsAsync(new SessionQuery { PageSize = 500 })).Items.Count);
    }

    private static SessionRecord Finished(string id) => Session(id) with { Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) };

    internal static SessionRecord Session(string id) => new() { Id = id, AgentId = "agent", Task = "task", StartedAt = BaseTime };

    internal static List<SessionEvent> Notes(string sessionId, int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => new NoteEvent { SessionId = sessionId, Sequence = i, Timestamp = BaseTime.AddMilliseconds(i), Text = "note " + i })];

    /// <summary>A session's events that cancel <paramref name="cancellation"/> the second time they are read: an import reads
    /// them once to check them and once to write them.</summary>
    private sealed class CancelOnSecondRead(List<SessionEvent> events, CancellationTokenSource cancellation) : IReadOnlyList<SessionEvent>
    {
        private int _reads;

        public int Count => events.Count;

        public SessionEvent this[int index] => events[index];

        public IEnumerator<SessionEvent> GetEnumerator()
        {
            if (++_reads == 2)
            {
                cancellation.Cancel();
            }

            return events.GetEnumerator();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
