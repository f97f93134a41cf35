using Xunit;
using static Dreaming.Testing.ConformanceData;

namespace Dreaming.Testing;

/// <summary>The behaviour every <see cref="ITraceStore"/> must show. Derive from it and implement <see cref="CreateStoreAsync"/>
/// to run the whole suite against a store.</summary>
/// <remarks>
/// <para>Each test asks for its own fresh, empty store. Stores that implement <see cref="IAsyncDisposable"/> or
/// <see cref="IDisposable"/> are disposed after the test; override <see cref="StoreConformanceTests{TStore}.DisposeAsync"/> to clean up more, and call the
/// base implementation first.</para>
/// <para>A store keeps times at millisecond precision, in UTC (<see cref="Times_AreKeptAtMillisecondPrecisionInUtc"/>); the
/// other tests compare times at that precision.</para>
/// </remarks>
public abstract partial class TraceStoreConformanceTests : StoreConformanceTests<ITraceStore>
{
    /// <summary>Creates a fresh, empty store for one test.</summary>
    /// <returns>The store. It is disposed after the test when it is disposable.</returns>
    protected abstract Task<ITraceStore> CreateStoreAsync();

    /// <summary>Initialising twice, or from several threads at once, leaves a working store.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task InitializeAsync_IsIdempotent()
    {
        var store = await NewStoreAsync();

        await store.InitializeAsync();
        await store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.InitializeAsync())));
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], [Note("s1", 1)]));
        await store.InitializeAsync();

        StoreAssert.SessionEqual(Session("s1"), await store.GetSessionAsync("s1"), expectedEventCount: 1);
    }

    /// <summary>Members work without an explicit <see cref="ITraceStore.InitializeAsync"/> call.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_WorkWithoutExplicitInitialization()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetSessionAsync("nobody"));
        Assert.Empty(await store.GetEventsAsync("nobody"));
        Assert.Empty((await store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    /// <summary>An unknown session id gives <see langword="null"/>.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task GetSessionAsync_UnknownId_ReturnsNull()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], []));

        Assert.Null(await store.GetSessionAsync("s2"));
        Assert.Null(await store.GetSessionAsync("S1"));
    }

    /// <summary>A session written by <see cref="ITraceStore.WriteAsync"/> comes back with every field as it was given.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_NewSession_RoundTripsEveryField()
    {
        var store = await NewStoreAsync();
        var session = FullSession("full");

        await store.WriteAsync(new TraceWriteBatch([session], []));

        StoreAssert.SessionEqual(session, await store.GetSessionAsync("full"), expectedEventCount: 0);
    }

    /// <summary>A session with only the required fields comes back with empty collections and <see langword="null"/> optionals.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_MinimalSession_RoundTripsDefaults()
    {
        var store = await NewStoreAsync();
        var session = new SessionRecord { Id = "minimal", AgentId = "a", Task = "t", StartedAt = BaseTime };

        await store.WriteAsync(new TraceWriteBatch([session], []));

        var stored = await store.GetSessionAsync("minimal");
        StoreAssert.SessionEqual(session, stored, expectedEventCount: 0);
        Assert.Empty(stored!.InsightIds);
        Assert.Empty(stored.Metadata);
        Assert.Equal(SessionUsage.Zero, stored.Usage);
        Assert.Null(stored.Outcome);
        Assert.Null(stored.EndedAt);
    }

    /// <summary>The store keeps its own copy: changing the collections given to it afterwards does not change what it holds.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_KeepsItsOwnCopyOfCollections()
    {
        var store = await NewStoreAsync();
        var insightIds = new List<string> { "i1" };
        var metadata = new Dictionary<string, string> { ["k"] = "v" };
        await store.WriteAsync(new TraceWriteBatch([Session("s1") with { InsightIds = insightIds, Metadata = metadata }], []));

        insightIds.Add("i2");
        metadata["k"] = "changed";

        var stored = await store.GetSessionAsync("s1");
        Assert.Equal(["i1"], stored!.InsightIds);
        Assert.Equal("v", stored.Metadata["k"]);
    }

    /// <summary>Creating a session whose id exists throws and leaves the stored session and the rest of the batch unwritten.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_DuplicateSessionId_ThrowsAndWritesNothing()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], [Note("s1", 1)]));

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(
            new TraceWriteBatch([Session("s2"), Session("s1", agentId: "other")], [Note("s1", 2), Note("s2", 1)])));

        StoreAssert.SessionEqual(Session("s1"), await store.GetSessionAsync("s1"), expectedEventCount: 1);
        Assert.Null(await store.GetSessionAsync("s2"));
        Assert.Single(await store.GetEventsAsync("s1"));
    }

    /// <summary>A batch that creates the same session twice throws and writes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task WriteAsync_DuplicateSessionIdInOneBatch_ThrowsAndWritesNothing()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<SessionStateException>(() => store.WriteAsync(
            new TraceWriteBatch([Session("s0"), Session("s1"), Session("s1")], [])));

        Assert.Null(await store.GetSessionAsync("s0"));
        Assert.Null(await store.GetSessionAsync("s1"));
    }

    /// <summary>Null arguments are rejected.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_RejectNullArguments()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.WriteAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.CompleteSessionAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ImportAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.QuerySessionsAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.SetOutcomeAsync("s1", null!));
    }

    /// <summary>A cancelled token cancels every member with an <see cref="OperationCanceledException"/>, and a write given one
    /// writes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_HonourCancellation()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync(new TraceWriteBatch([Session("s1")], [Note("s1", 1)]));
        await store.ImportAsync([new SessionWithEvents(FinishedSession("old"), [])]);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var token = cancellation.Token;

        await StoreAssert.CanceledAsync(nameof(ITraceStore.InitializeAsync), () => store.InitializeAsync(token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.WriteAsync), () => store.WriteAsync(new TraceWriteBatch([Session("s2")], [Note("s1", 2)]), token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.CompleteSessionAsync), () => store.CompleteSessionAsync(
            new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = BaseTime.AddMinutes(1) }, token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.SetOutcomeAsync), () => store.SetOutcomeAsync("s1", SessionOutcome.Failed(), token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.ImportAsync), () => store.ImportAsync([new SessionWithEvents(FinishedSession("s3"), [])], token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.GetSessionAsync), () => store.GetSessionAsync("s1", token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.GetEventsAsync), () => store.GetEventsAsync("s1", token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.QuerySessionsAsync), () => store.QuerySessionsAsync(new SessionQuery(), token));
        await StoreAssert.CanceledAsync(nameof(ITraceStore.PurgeAsync), () => store.PurgeAsync(BaseTime.AddDays(1), token));

        StoreAssert.SessionEqual(Session("s1"), await store.GetSessionAsync("s1"), expectedEventCount: 1);
        Assert.NotNull(await store.GetSessionAsync("old"));
        Assert.Null(await store.GetSessionAsync("s2"));
        Assert.Null(await store.GetSessionAsync("s3"));

    }

    /// <summary>Creates a store for the running test and remembers it for disposal.</summary>
    private Task<ITraceStore> NewStoreAsync() => TrackAsync(CreateStoreAsync());

    /// <summary>Orders sessions the way <see cref="SessionOrder.OldestFirst"/> does: start time at millisecond precision, then id.</summary>
    private static IEnumerable<string> OldestFirst(IEnumerable<SessionRecord> sessions) => sessions
        .OrderBy(session => session.StartedAt.ToUnixTimeMilliseconds())
        .ThenBy(session => session.Id, StringComparer.Ordinal)
        .Select(session => session.Id);
}
