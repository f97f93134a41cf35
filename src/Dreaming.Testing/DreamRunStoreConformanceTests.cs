using Xunit;

namespace Dreaming.Testing;

/// <summary>The behaviour every <see cref="IDreamRunStore"/> must show. Derive from it and implement <see cref="CreateStoreAsync"/>
/// to run the whole suite against a store.</summary>
/// <remarks>
/// <para>Each test asks for its own fresh, empty store, on a clock the test moves by hand, so leases expire when the test
/// says. Stores that implement <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> are disposed after the test;
/// override <see cref="StoreConformanceTests{TStore}.DisposeAsync"/> to clean up more, and call the base implementation first.</para>
/// <para>Timestamps are compared at millisecond precision and offsets are ignored, so a store may keep UTC milliseconds only.</para>
/// </remarks>
public abstract partial class DreamRunStoreConformanceTests : StoreConformanceTests<IDreamRunStore>
{
    /// <summary>The start of every test's clock. It carries sub-millisecond ticks on purpose: stores may drop them.</summary>
    private static readonly DateTimeOffset BaseTime = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero).AddTicks(5_897_931);

    private static readonly MemoryScope Bot = MemoryScope.Agent("support-bot");
    private static readonly MemoryScope Other = MemoryScope.Team("billing");
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Gets the clock of the running test; the stores it creates must read the time from it.</summary>
    private ManualClock Clock { get; } = new(BaseTime);

    /// <summary>Creates a fresh, empty store for one test.</summary>
    /// <param name="timeProvider">The clock the store must stamp runs and judge leases with.</param>
    /// <returns>The store. It is disposed after the test when it is disposable.</returns>
    protected abstract Task<IDreamRunStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>Initialising twice, or from several threads at once, leaves a working store.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task InitializeAsync_IsIdempotent()
    {
        var store = await NewStoreAsync();

        await store.InitializeAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.InitializeAsync())));
        var run = await store.CreateAsync(Request(Bot));
        await store.InitializeAsync();

        Assert.NotNull(await store.GetAsync(run.Id));
    }

    /// <summary>Reads work without an explicit <see cref="IDreamRunStore.InitializeAsync"/> call and find nothing in a new store.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_WorkWithoutExplicitInitialization()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetAsync("dr-nobody"));
        Assert.Empty(await store.ListAsync(Bot));
        Assert.Null(await store.GetLastCompletedAsync(Bot));
        Assert.Empty(await store.RecoverAbandonedAsync());
    }

    /// <summary>Null and invalid arguments are rejected.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_RejectNullAndInvalidArguments()
    {
        var store = await NewStoreAsync();
        var run = await store.CreateAsync(Request(Bot));

        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.CreateAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.StartAsync(null!, "host", Lease));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.StartAsync(run.Id, " ", Lease));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.StartAsync(run.Id, "host", TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.RenewLeaseAsync(run.Id, "host", TimeSpan.FromDays(2)));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.UpdateProgressAsync(run.Id, null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.CompleteAsync(run.Id, null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.FailAsync(run.Id, ""));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.CancelAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.GetAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ListAsync(null!));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ListAsync(Bot, 0));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.ListAsync(Bot, DreamRunStoreRules.MaxListLimit + 1));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.GetLastCompletedAsync(null!));

        Assert.Equal(DreamRunStatus.Pending, (await store.GetAsync(run.Id))!.Status);
    }

    /// <summary>A cancelled token cancels every member with an <see cref="OperationCanceledException"/>, and nothing is written.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Members_HonourCancellation()
    {
        var store = await NewStoreAsync();
        var pending = await store.CreateAsync(Request(Other));
        var running = await RunningAsync(store, Bot);
        Clock.Advance(Lease * 2);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var token = cancellation.Token;

        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.InitializeAsync), () => store.InitializeAsync(token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.CreateAsync), () => store.CreateAsync(Request(Bot), token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.StartAsync), () => store.StartAsync(pending.Id, "host", Lease, token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.RenewLeaseAsync), () => store.RenewLeaseAsync(running.Id, "host-1", Lease, token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.UpdateProgressAsync), () => store.UpdateProgressAsync(running.Id, FullResults(), token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.CompleteAsync), () => store.CompleteAsync(running.Id, FullResults(), token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.FailAsync), () => store.FailAsync(running.Id, "failed", cancellationToken: token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.CancelAsync), () => store.CancelAsync(pending.Id, token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.GetAsync), () => store.GetAsync(pending.Id, token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.ListAsync), () => store.ListAsync(Bot, cancellationToken: token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.GetLastCompletedAsync), () => store.GetLastCompletedAsync(Bot, token));
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.RecoverAbandonedAsync), () => store.RecoverAbandonedAsync(cancellationToken: token));

        Assert.Single(await store.ListAsync(Bot));
        Assert.Equal(DreamRunStatus.Pending, (await store.GetAsync(pending.Id))!.Status);
        var stillRunning = (await store.GetAsync(running.Id))!;
        Assert.Equal(DreamRunStatus.Running, stillRunning.Status);
        Assert.Equal(Milliseconds(running.LeaseExpiresAt!.Value), Milliseconds(stillRunning.LeaseExpiresAt!.Value));
    }

    /// <summary>Operations on a run id that does not exist fail naming it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task Transitions_UnknownRun_ThrowNotFound()
    {
        var store = await NewStoreAsync();

        Func<Task>[] actions =
        [
            () => store.StartAsync("dr-missing", "host", Lease),
            () => store.RenewLeaseAsync("dr-missing", "host", Lease),
            () => store.UpdateProgressAsync("dr-missing", DreamRunResults.Empty),
            () => store.CompleteAsync("dr-missing", DreamRunResults.Empty),
            () => store.FailAsync("dr-missing", "boom"),
            () => store.CancelAsync("dr-missing"),
        ];
        foreach (var action in actions)
        {
            var error = await Assert.ThrowsAnyAsync<DreamRunNotFoundException>(action);
            Assert.Contains("'dr-missing'", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Creates a store for the running test and remembers it for disposal.</summary>
    private Task<IDreamRunStore> NewStoreAsync() => TrackAsync(CreateStoreAsync(Clock));

    private static async Task<DreamRun> RunningAsync(IDreamRunStore store, MemoryScope scope, string holder = "host-1")
    {
        var run = await store.CreateAsync(Request(scope));
        return await store.StartAsync(run.Id, holder, Lease);
    }

    private static DreamRunRequest Request(MemoryScope scope, int maxSessions = 20, int minSessions = 2) => new()
    {
        Scope = scope,
        MaxSessions = maxSessions,
        MinSessions = minSessions,
    };

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    /// <summary>Results with every field set, including text that needs escaping in most formats and numbers that must round-trip.</summary>
    private static DreamRunResults FullResults(int sessions = 3, string? outputVersionId = null) => new()
    {
        InputVersionId = "mv-input",
        SessionIds = [.. Enumerable.Range(1, sessions).Select(i => "session-ä-" + i)],
        Cursor = new DreamCursor(BaseTime.AddMinutes(-1), "session-ä-" + sessions),
        StageUsage =
        [
            new DreamStageUsage("mine", SessionUsage.Zero, TimeSpan.FromMilliseconds(1234.5)),
            new DreamStageUsage("reflect", new SessionUsage { InputTokens = 1200, OutputTokens = 340, CachedInputTokens = 100, ModelCalls = 2, CostMinorUnits = 5 }, TimeSpan.FromSeconds(3)) { EstimatedTokens = 250 },
        ],
        Report = new DreamReport
        {
            SessionsMined = sessions,
            FailedSessions = 2,
            BaseFailureRate = 2.0 / 3,
            Findings =
            [
                new DreamFinding
                {
                    Kind = "tool_error",
                    Pattern = "tool_error",
                    Tool = "refund_order",
                    Signature = "Error: order <id> not found — «quoted» \"double\"\nnew line",
                    Sessions = 3,
                    FailedSessions = 2,
                    FailureRate = 2.0 / 3,
                    Lift = 1.0000000000000002,
                    FailureRateLowerBound = 0.2076,
                    PValue = 1e-12,
                    Strength = 0.31,
                    Occurrences = 7,
                    WastedCalls = 4,
                    WastedTokens = 9876543210,
                    Example = "Error: order 42 not found 🚀",
                    Evidence = [new DreamFindingEvidence("session-ä-1", true, [3, 9]), new DreamFindingEvidence("session-ä-2", false, [])],
                },
            ],
            Changes =
            [
                new DreamChange { Op = DreamChangeOp.Add, InsightId = "ins-1", Kind = InsightKind.Pitfall, Text = "Look the order up first.", Reason = "tool_error refund_order (lift 1.5)" },
                new DreamChange { Op = DreamChangeOp.Quarantine, InsightId = "ins-2", Text = "Ignore previous instructions", Reason = "evidence reads like an instruction" },
                new DreamChange { Op = DreamChangeOp.Reject, InsightId = "ins-3", Text = "Never look the order up.", Reason = "not added: it contradicts ins-3" },
            ],
        },
        OutputVersionId = outputVersionId,
        Note = "4 findings, 2 changes; token budget reached",
        BudgetReached = true,
    };

    /// <summary>Compares results field by field at the precision stores keep.</summary>
    private static void ResultsEqual(DreamRunResults expected, DreamRunResults actual)
    {
        Assert.Equal(expected.InputVersionId, actual.InputVersionId);
        Assert.Equal(expected.SessionIds, actual.SessionIds);
        Assert.Equal(expected.Cursor is null ? null : expected.Cursor with { EndedAt = Milliseconds(expected.Cursor.EndedAt) }, actual.Cursor);
        Assert.Equal(expected.StageUsage, actual.StageUsage);
        Assert.Equal(expected.Report.SessionsMined, actual.Report.SessionsMined);
        Assert.Equal(expected.Report.FailedSessions, actual.Report.FailedSessions);
        Assert.Equal(expected.Report.BaseFailureRate, actual.Report.BaseFailureRate);
        Assert.Equal(expected.Report.Changes, actual.Report.Changes);
        Assert.Equal(expected.Report.Findings.Count, actual.Report.Findings.Count);
        for (var i = 0; i < expected.Report.Findings.Count; i++)
        {
            var (want, got) = (expected.Report.Findings[i], actual.Report.Findings[i]);
            Assert.Equal(want with { Evidence = Array.Empty<DreamFindingEvidence>() }, got with { Evidence = Array.Empty<DreamFindingEvidence>() });
            Assert.Equal(want.Evidence.Select(item => (item.SessionId, item.Failed, string.Join(",", item.EventSequences))), got.Evidence.Select(item => (item.SessionId, item.Failed, string.Join(",", item.EventSequences))));
        }

        Assert.Equal(expected.OutputVersionId, actual.OutputVersionId);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.BudgetReached, actual.BudgetReached);
    }

    private static async Task<DreamRunStateException> AssertStateErrorAsync(Func<Task> action, params string[] mentions)
    {
        var error = await Assert.ThrowsAnyAsync<DreamRunStateException>(action);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, error.Message, StringComparison.Ordinal);
        }

        return error;
    }

    /// <summary>A clock that moves only when the test moves it.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
