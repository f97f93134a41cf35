using Xunit;

namespace Dreaming.Testing;

/// <content>Creating runs and moving them through their states.</content>
public abstract partial class DreamRunStoreConformanceTests
{
    /// <summary>A run keeps its request's <see cref="DreamRunRequest.Lookback"/> (to the tick) and
    /// <see cref="DreamRunRequest.MaxLookbackSessions"/>, and a request without a lookback comes back without one.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CreateAsync_StoresTheLookbackOfItsRequest()
    {
        var store = await NewStoreAsync();
        var request = new DreamRunRequest { Scope = Bot, Lookback = TimeSpan.FromDays(7) + TimeSpan.FromTicks(1), MaxLookbackSessions = 37 };

        var run = await store.CreateAsync(request);
        var plain = await store.CreateAsync(new DreamRunRequest { Scope = Bot });

        Assert.Equal(request, (await store.GetAsync(run.Id))!.Request);
        var stored = (await store.GetAsync(plain.Id))!.Request;
        Assert.Null(stored.Lookback);
        Assert.Equal(DreamRunRequest.DefaultMaxLookbackSessions, stored.MaxLookbackSessions);
    }

    /// <summary>A run keeps its request's <see cref="DreamRunRequest.MinScopes"/>, for an agent's and the global memory,
    /// and a request without one comes back without one.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CreateAsync_StoresTheMinScopesOfItsRequest()
    {
        var store = await NewStoreAsync();
        var request = new DreamRunRequest { Scope = Bot, MinScopes = 3 };
        var global = new DreamRunRequest { Scope = MemoryScope.Global, MinScopes = int.MaxValue };

        var run = await store.CreateAsync(request);
        var globalRun = await store.CreateAsync(global);
        var plain = await store.CreateAsync(new DreamRunRequest { Scope = Bot });

        Assert.Equal(request, (await store.GetAsync(run.Id))!.Request);
        Assert.Equal(global, (await store.GetAsync(globalRun.Id))!.Request);
        Assert.Equal(request, (await store.ListAsync(Bot, 10)).Single(r => r.Id == run.Id).Request);
        Assert.Null((await store.GetAsync(plain.Id))!.Request.MinScopes);
    }

    /// <summary>A new run is pending, with a <c>dr-</c> id, its request as given, the clock's time and no results.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CreateAsync_StoresAPendingRunWithItsRequest()
    {
        var store = await NewStoreAsync();
        var request = new DreamRunRequest
        {
            Scope = Bot,
            Instructions = "Focus on refunds — «remboursements» 🚀\nand nothing else.",
            MaxSessions = 250,
            MinSessions = 25,
            ReviewMode = DreamReviewMode.RequireApproval,
            TokenBudget = 5_000_000_000,
        };

        var run = await store.CreateAsync(request);

        Assert.StartsWith("dr-", run.Id, StringComparison.Ordinal);
        var stored = (await store.GetAsync(run.Id))!;
        foreach (var value in new[] { run, stored })
        {
            Assert.Equal(request, value.Request);
            Assert.Equal(Bot, value.Scope);
            Assert.Equal(DreamRunStatus.Pending, value.Status);
            Assert.Equal(Milliseconds(BaseTime), value.RequestedAt);
            Assert.Null(value.StartedAt);
            Assert.Null(value.EndedAt);
            Assert.Null(value.LeaseHolder);
            Assert.Null(value.LeaseExpiresAt);
            Assert.Null(value.Error);
            ResultsEqual(DreamRunResults.Empty, value.Results);
        }

        Assert.NotEqual(run.Id, (await store.CreateAsync(request)).Id);
    }

    /// <summary>Instructions over the limit, or session limits out of range, are refused with a clear message and nothing is stored.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CreateAsync_InvalidRequest_ThrowsAndStoresNothing()
    {
        var store = await NewStoreAsync();

        var tooLong = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot, Instructions = new string('x', 4097) }));
        Assert.Contains("4,097", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("4,096", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot, MaxSessions = 0 }));
        var minAboveMax = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot, MaxSessions = 5, MinSessions = 6 }));
        Assert.Contains("MinSessions", minAboveMax.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot, ReviewMode = (DreamReviewMode)7 }));
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.CreateAsync(new DreamRunRequest { Scope = null! }));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new DreamRunRequest { Scope = Bot, TokenBudget = 0 }));

        Assert.Empty(await store.ListAsync(Bot));
        var atLimit = await store.CreateAsync(new DreamRunRequest { Scope = Bot, Instructions = new string('é', DreamRunRequest.MaxInstructionsLength) });
        Assert.Equal(DreamRunRequest.MaxInstructionsLength, (await store.GetAsync(atLimit.Id))!.Request.Instructions!.Length);
    }

    /// <summary>Starting a pending run makes it running, stamped with its start and its lease.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StartAsync_PendingRun_BecomesRunningWithALease()
    {
        var store = await NewStoreAsync();
        var run = await store.CreateAsync(Request(Bot));
        Clock.Advance(TimeSpan.FromSeconds(2));

        var started = await store.StartAsync(run.Id, "host-1:42", Lease);

        Assert.Equal(DreamRunStatus.Running, started.Status);
        Assert.Equal(Milliseconds(BaseTime.AddSeconds(2)), started.StartedAt);
        Assert.Equal("host-1:42", started.LeaseHolder);
        Assert.Equal(Milliseconds(BaseTime.AddSeconds(2) + Lease), started.LeaseExpiresAt);
        var stored = (await store.GetAsync(run.Id))!;
        Assert.Equal((started.Status, started.StartedAt, started.LeaseHolder, started.LeaseExpiresAt), (stored.Status, stored.StartedAt, stored.LeaseHolder, stored.LeaseExpiresAt));
    }

    /// <summary>Progress replaces the recorded results, which read back field for field.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task UpdateProgressAsync_RecordsResultsThatReadBackExactly()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);

        await store.UpdateProgressAsync(run.Id, DreamRunResults.Empty with { SessionIds = ["a"] });
        var updated = await store.UpdateProgressAsync(run.Id, FullResults());

        ResultsEqual(FullResults(), updated.Results);
        var stored = (await store.GetAsync(run.Id))!;
        Assert.Equal(DreamRunStatus.Running, stored.Status);
        ResultsEqual(FullResults(), stored.Results);
        Assert.Equal(1540, stored.Results.TotalUsage.TotalTokens);
    }

    /// <summary>Results that read more sessions than the request allows are refused and the run keeps its results.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task UpdateProgressAsync_MoreSessionsThanMaxSessions_Throws()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.UpdateProgressAsync(run.Id, FullResults(sessions: 21)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CompleteAsync(run.Id, DreamRunResults.Empty with { SessionIds = ["ok", " "] }));

        Assert.Contains("21", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSessions (20)", error.Message, StringComparison.Ordinal);
        var stored = (await store.GetAsync(run.Id))!;
        Assert.Equal(DreamRunStatus.Running, stored.Status);
        Assert.Empty(stored.Results.SessionIds);
    }

    /// <summary>Completing a running run records its outputs and end, and releases the scope for the next dream.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteAsync_RunningRun_RecordsOutputsAndFreesTheScope()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);
        Clock.Advance(TimeSpan.FromSeconds(30));

        var completed = await store.CompleteAsync(run.Id, FullResults(outputVersionId: "mv-output"));

        Assert.Equal(DreamRunStatus.Completed, completed.Status);
        Assert.Equal(Milliseconds(BaseTime.AddSeconds(30)), completed.EndedAt);
        Assert.Null(completed.LeaseExpiresAt);
        Assert.Equal("host-1", completed.LeaseHolder);
        Assert.True(completed.IsFinished);
        ResultsEqual(FullResults(outputVersionId: "mv-output"), (await store.GetAsync(run.Id))!.Results);
        var next = await RunningAsync(store, Bot, "host-2");
        Assert.Equal(DreamRunStatus.Running, next.Status);
    }

    /// <summary>Completing a pending run, or completing twice, fails naming the run and its state, and changes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CompleteAsync_PendingOrFinishedRun_ThrowsNamingRunAndState()
    {
        var store = await NewStoreAsync();
        var pending = await store.CreateAsync(Request(Bot));
        var done = await RunningAsync(store, Other);
        await store.CompleteAsync(done.Id, DreamRunResults.Empty with { Note = "first" });

        await AssertStateErrorAsync(() => store.CompleteAsync(pending.Id, FullResults()), pending.Id, "pending", "not started");
        await AssertStateErrorAsync(() => store.CompleteAsync(done.Id, FullResults()), done.Id, "already completed");
        await AssertStateErrorAsync(() => store.UpdateProgressAsync(pending.Id, FullResults()), pending.Id, "not started");
        await AssertStateErrorAsync(() => store.StartAsync(done.Id, "host", Lease), done.Id, "already completed", "only a pending run");

        Assert.Equal(DreamRunStatus.Pending, (await store.GetAsync(pending.Id))!.Status);
        Assert.Equal("first", (await store.GetAsync(done.Id))!.Results.Note);
    }

    /// <summary>Failing a run keeps its partial results unless new ones are given, and records the error.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task FailAsync_KeepsPartialResults()
    {
        var store = await NewStoreAsync();
        var kept = await RunningAsync(store, Bot);
        await store.UpdateProgressAsync(kept.Id, FullResults());
        var replaced = await RunningAsync(store, Other);
        var pending = await store.CreateAsync(Request(Bot));

        var failed = await store.FailAsync(kept.Id, "reflector returned garbage");
        var failedWithResults = await store.FailAsync(replaced.Id, "budget reached", DreamRunResults.Empty with { SessionIds = ["s1"], Note = "stopped at reflect" });
        var failedPending = await store.FailAsync(pending.Id, "unknown agent");

        Assert.Equal(DreamRunStatus.Failed, failed.Status);
        Assert.Equal("reflector returned garbage", failed.Error);
        Assert.NotNull(failed.EndedAt);
        Assert.Null(failed.LeaseExpiresAt);
        ResultsEqual(FullResults(), (await store.GetAsync(kept.Id))!.Results);
        Assert.Equal(["s1"], (await store.GetAsync(replaced.Id))!.Results.SessionIds);
        Assert.Equal("stopped at reflect", failedWithResults.Results.Note);
        Assert.Equal(DreamRunStatus.Failed, failedPending.Status);
        Assert.Null(failedPending.StartedAt);
        await AssertStateErrorAsync(() => store.FailAsync(kept.Id, "again"), kept.Id, "already failed (reflector returned garbage)");
        Assert.Equal("reflector returned garbage", (await store.GetAsync(kept.Id))!.Error);
    }

    /// <summary>Pending and running runs can be canceled, keeping their results; a running dream then cannot go on.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CancelAsync_PendingOrRunningRun_IsCanceled()
    {
        var store = await NewStoreAsync();
        var pending = await store.CreateAsync(Request(Other));
        var running = await RunningAsync(store, Bot);
        await store.UpdateProgressAsync(running.Id, FullResults());

        var canceledPending = await store.CancelAsync(pending.Id);
        var canceledRunning = await store.CancelAsync(running.Id);

        Assert.Equal(DreamRunStatus.Canceled, canceledPending.Status);
        Assert.Equal(DreamRunStatus.Canceled, canceledRunning.Status);
        Assert.Equal(Milliseconds(BaseTime), canceledRunning.EndedAt);
        Assert.Null(canceledRunning.Error);
        ResultsEqual(FullResults(), (await store.GetAsync(running.Id))!.Results);
        await AssertStateErrorAsync(() => store.RenewLeaseAsync(running.Id, "host-1", Lease), running.Id, "canceled");
        await AssertStateErrorAsync(() => store.UpdateProgressAsync(running.Id, FullResults()), running.Id, "canceled");
        await AssertStateErrorAsync(() => store.CompleteAsync(running.Id, FullResults()), running.Id, "canceled");
        Assert.Equal(DreamRunStatus.Running, (await RunningAsync(store, Bot, "host-2")).Status);
    }

    /// <summary>Canceling a finished run is a state error naming the run and its state, and changes nothing.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CancelAsync_FinishedRun_ThrowsNamingRunAndState()
    {
        var store = await NewStoreAsync();
        var completed = await RunningAsync(store, Bot);
        await store.CompleteAsync(completed.Id, DreamRunResults.Empty);
        var canceled = await store.CreateAsync(Request(Bot));
        await store.CancelAsync(canceled.Id);

        await AssertStateErrorAsync(() => store.CancelAsync(completed.Id), completed.Id, "already completed", "never changes");
        await AssertStateErrorAsync(() => store.CancelAsync(canceled.Id), canceled.Id, "already canceled");

        Assert.Equal(DreamRunStatus.Completed, (await store.GetAsync(completed.Id))!.Status);
    }
}
