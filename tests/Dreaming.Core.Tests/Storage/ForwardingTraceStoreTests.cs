
namespace Dreaming.Tests.Storage;

/// <summary><see cref="ForwardingTraceStore"/> passes every member of <see cref="ITraceStore"/>, the default interface
/// members too, to its inner store with the caller's arguments and token, and lets a derived store override each one.</summary>
public sealed class ForwardingTraceStoreTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_member_of_the_interface_is_a_public_virtual_method_it_declares()
    {
        // A member added to ITraceStore later (a default one compiles without it) must be forwarded too: otherwise every
        // decorator derived from it silently runs the interface's default over its own members instead of the inner store's.
        var problems = NotForwarded(typeof(ForwardingTraceStore));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains(typeof(ITraceStore).GetMethods(), m => m.Name == nameof(ITraceStore.QueryEventsAsync) && !m.IsAbstract);
        Assert.Contains(typeof(ITraceStore).GetMethods(), m => m.Name == nameof(ITraceStore.GetSessionChangeHorizonAsync) && !m.IsAbstract);
    }

    [Fact]
    public async Task The_checks_find_a_hand_written_decorator_that_leaves_out_the_default_members()
    {
        // The two checks above and below, run on a decorator written as the tests' doubles were before this base: each
        // names the two default members it does not forward.
        var problems = NotForwarded(typeof(HandWritten));
        Assert.Equal(
            [$"{nameof(ITraceStore.QueryEventsAsync)} is not declared by HandWritten (runs ITraceStore's)", $"{nameof(ITraceStore.GetSessionChangeHorizonAsync)} is not declared by HandWritten (runs ITraceStore's)"],
            problems.Where(p => p.Contains("is not declared", StringComparison.Ordinal)));
        Assert.Contains($"{nameof(ITraceStore.GetEventsAsync)} is not public virtual in HandWritten", problems); // a sealed class's members are final
        var unreached = await UnreachedAsync(inner => new HandWritten(inner));
        Assert.Equal(2, unreached.Count);
        Assert.StartsWith(nameof(ITraceStore.QueryEventsAsync), unreached[0], StringComparison.Ordinal);
        Assert.StartsWith(nameof(ITraceStore.GetSessionChangeHorizonAsync), unreached[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_call_reaches_the_inner_store_with_the_same_arguments_and_token()
    {
        Assert.Equal(12, typeof(ITraceStore).GetMethods().Length);

        var unreached = await UnreachedAsync(inner => new Plain(inner));

        Assert.True(unreached.Count == 0, string.Join("\n", unreached));
    }

    [Fact]
    public async Task A_native_event_query_and_change_horizon_of_the_inner_store_are_kept()
    {
        var inner = new InMemoryTraceStore();
        var store = new CountingEventReads(inner);
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "a", Task = "t", StartedAt = At }], [Note(1), Note(2), Note(3)]));

        var window = await store.QueryEventsAsync("s", new SessionEventQuery { AfterSequence = 1, Limit = 1 });

        Assert.Equal([2L], window.Select(e => e.Sequence));
        Assert.Equal(0, store.EventReads);
        Assert.Equal(await inner.GetSessionChangeHorizonAsync(), await store.GetSessionChangeHorizonAsync());
        Assert.NotNull(await store.GetSessionChangeHorizonAsync());
    }

    [Fact]
    public async Task A_derived_store_can_take_the_interface_defaults_instead()
    {
        var store = new LegacyStore(new InMemoryTraceStore());
        await store.WriteAsync(new TraceWriteBatch([new SessionRecord { Id = "s", AgentId = "a", Task = "t", StartedAt = At }], [Note(1), Note(2), Note(3)]));

        var window = await store.QueryEventsAsync("s", new SessionEventQuery { AfterSequence = 1, Limit = 1 });

        Assert.Equal([2L], window.Select(e => e.Sequence));
        Assert.Equal(1, store.EventReads); // the default reads the session through the derived store's GetEventsAsync
        Assert.Equal("sessionId", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.QueryEventsAsync(null!, new SessionEventQuery()))).ParamName);
        Assert.Equal("Limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.QueryEventsAsync("s", new SessionEventQuery { Limit = 0 }))).ParamName);
        Assert.Null(await store.GetSessionChangeHorizonAsync());
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetSessionChangeHorizonAsync(cancellation.Token));
    }

    private static List<string> NotForwarded(Type type) => ForwardingChecks.NotForwarded<ITraceStore>(type);

    private static Task<List<string>> UnreachedAsync(Func<ITraceStore, ITraceStore> decorate) => ForwardingChecks.UnreachedAsync(decorate, Sample);

    private static NoteEvent Note(long sequence) => new() { SessionId = "s", Sequence = sequence, Timestamp = At, Text = $"n{sequence}" };

    // One value of each parameter type of ITraceStore's members, each a distinct instance the inner call must receive.
    private static object Sample(Type type) => type switch
    {
        _ when type == typeof(string) => "session-7",
        _ when type == typeof(DateTimeOffset) => At,
        _ when type == typeof(TraceWriteBatch) => new TraceWriteBatch([], []),
        _ when type == typeof(SessionCompletion) => new SessionCompletion { SessionId = "session-7", Status = SessionStatus.Failed, EndedAt = At },
        _ when type == typeof(SessionOutcome) => SessionOutcome.Failed(),
        _ when type == typeof(IReadOnlyList<SessionWithEvents>) => new List<SessionWithEvents>(),
        _ when type == typeof(SessionQuery) => new SessionQuery { PageSize = 7 },
        _ when type == typeof(SessionEventQuery) => new SessionEventQuery { Limit = 7 },
        _ => throw new InvalidOperationException($"Add a sample {type} for the new member of ITraceStore."),
    };

    private sealed class Plain(ITraceStore inner) : ForwardingTraceStore(inner);

    private class CountingEventReads(ITraceStore inner) : ForwardingTraceStore(inner)
    {
        public int EventReads { get; private set; }

        public override Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
        {
            EventReads++;
            return base.GetEventsAsync(sessionId, cancellationToken);
        }
    }

    private sealed class LegacyStore(ITraceStore inner) : CountingEventReads(inner)
    {
        public override Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default) =>
            QueryEventsByInterfaceDefaultAsync(sessionId, query, cancellationToken);

        public override Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) =>
            GetSessionChangeHorizonByInterfaceDefaultAsync(cancellationToken);
    }

    /// <summary>A decorator written by hand, as the tests' doubles were: it forwards the members it has to implement.</summary>
    private sealed class HandWritten(ITraceStore inner) : ITraceStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default) => inner.WriteAsync(batch, cancellationToken);

        public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default) => inner.CompleteSessionAsync(completion, cancellationToken);

        public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default) => inner.SetOutcomeAsync(sessionId, outcome, cancellationToken);

        public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default) => inner.ImportAsync(sessions, cancellationToken);

        public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetSessionAsync(sessionId, cancellationToken);

        public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default) => inner.GetEventsAsync(sessionId, cancellationToken);

        public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.QuerySessionsAsync(query, cancellationToken);

        public IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, CancellationToken cancellationToken = default) => inner.StreamSessionsAsync(query, cancellationToken);

        public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => inner.PurgeAsync(startedBefore, cancellationToken);
    }
}
