namespace Dreaming.Sqlite.Tests;

/// <summary><see cref="SqliteTraceStore.GetEventsAsync(string, IReadOnlyCollection{string}, CancellationToken)"/> and
/// <see cref="SqliteTraceStore.QueryEventsAsync"/>: a session's events of some types only, in sequence order, without parsing
/// the others; a window of them read through the primary key.</summary>
public sealed class SqliteEventTypeReadTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Only_the_events_of_the_types_asked_for_are_read_in_sequence_order_and_others_are_not_parsed()
    {
        var path = _folder.File("types.db");
        using var store = new SqliteTraceStore(path);
        await store.ImportAsync(
        [
            new(
                new SessionRecord { Id = "s1", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At.AddSeconds(5) },
                [
                    new MessageEvent { SessionId = "s1", Sequence = 1, Timestamp = At, Role = "user", Text = "hello" },
                    new InsightsInjectedEvent { SessionId = "s1", Sequence = 2, Timestamp = At, MemoryVersionId = "mv-1", InsightIds = ["i-1"], Scope = MemoryScope.Global },
                    new NoteEvent { SessionId = "s1", Sequence = 3, Timestamp = At, Text = "n" },
                    new InsightsInjectedEvent { SessionId = "s1", Sequence = 4, Timestamp = At.AddSeconds(1), MemoryVersionId = "mv-2", InsightIds = ["i-2"] },
                    new MessageEvent { SessionId = "s1", Sequence = 5, Timestamp = At, Role = "assistant", Text = "hi" },
                ]),
        ]);

        // An event of another type that this build could not parse is not read.
        SqliteFiles.Execute(path, "UPDATE events SET type = 'future.kind', payload = '{\"kind\":\"future_kind\"}' WHERE seq = 3;");

        var injected = await store.GetEventsAsync("s1", [EventTypes.MemoryInjected]);
        Assert.Equal([2L, 4L], injected.Select(e => e.Sequence));
        Assert.Equal(["mv-1", "mv-2"], injected.Cast<InsightsInjectedEvent>().Select(e => e.MemoryVersionId));
        Assert.Equal(At.AddSeconds(1), injected[1].Timestamp);
        Assert.All(injected, e => Assert.Equal("s1", e.SessionId));

        Assert.Equal([1L, 2L, 4L, 5L], (await store.GetEventsAsync("s1", ["message.user", EventTypes.MemoryInjected, "message.assistant", EventTypes.MemoryInjected])).Select(e => e.Sequence));
        Assert.Empty(await store.GetEventsAsync("s1", []));
        Assert.Empty(await store.GetEventsAsync("s1", ["Memory.Injected"]));
        Assert.Empty(await store.GetEventsAsync("nobody", [EventTypes.MemoryInjected]));
        await Assert.ThrowsAsync<TraceStoreException>(() => store.GetEventsAsync("s1", ["future.kind"]));
    }

    [Fact]
    public async Task Bad_arguments_and_a_canceled_token_are_refused()
    {
        using var store = new SqliteTraceStore(_folder.File("args.db"));

        Assert.Equal("sessionId", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetEventsAsync(null!, [EventTypes.Note]))).ParamName);
        Assert.Equal("eventTypes", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetEventsAsync("s1", (IReadOnlyCollection<string>)null!))).ParamName);
        Assert.Equal("eventTypes", (await Assert.ThrowsAsync<ArgumentException>(() => store.GetEventsAsync("s1", [EventTypes.Note, null!]))).ParamName);
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetEventsAsync("s1", [EventTypes.Note], canceled.Token));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_window_seeks_the_primary_key_to_its_first_event_and_sorts_nothing(bool after, bool types)
    {
        var path = _folder.File("plan.db");
        using (var store = new SqliteTraceStore(path))
        {
            await store.InitializeAsync();
        }

        var plan = SqliteReadPlanTests.Plan(path, SqliteTraceStore.EventsSql(after, types), ("$id", "s1"), ("$after", 2000L), ("$types", "[\"note\"]"), ("$limit", 2001));

        Assert.Contains(after ? "SEARCH events USING PRIMARY KEY (session_id=? AND seq>?)" : "SEARCH events USING PRIMARY KEY (session_id=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN events", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_window_of_a_long_session_reads_its_events_only_and_an_unparsable_event_outside_it_does_not_fail_it()
    {
        var path = _folder.File("window.db");
        using var store = new SqliteTraceStore(path);
        var events = Enumerable.Range(1, 5_000).Select(i => (SessionEvent)new NoteEvent { SessionId = "s1", Sequence = i, Timestamp = At, Text = "n" + i }).ToList();
        await store.ImportAsync([new(new SessionRecord { Id = "s1", AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At.AddSeconds(5) }, events)]);
        SqliteFiles.Execute(path, "UPDATE events SET type = 'future.kind', payload = '{\"kind\":\"future_kind\"}' WHERE seq IN (1, 4000);");

        var window = await store.QueryEventsAsync("s1", new SessionEventQuery { AfterSequence = 2_000, Limit = 1_000 });

        Assert.Equal(Enumerable.Range(2_001, 1_000).Select(i => (long)i), window.Select(e => e.Sequence));
        Assert.Equal("n2001", ((NoteEvent)window[0]).Text);
        await Assert.ThrowsAsync<TraceStoreException>(() => store.QueryEventsAsync("s1", new SessionEventQuery { AfterSequence = 3_000, Limit = 1_001 }));
        Assert.Equal(4_998, (await store.QueryEventsAsync("s1", new SessionEventQuery { Types = [EventTypes.Note] })).Count);
    }
}
