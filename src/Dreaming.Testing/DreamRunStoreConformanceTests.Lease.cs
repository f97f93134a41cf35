using Xunit;

namespace Dreaming.Testing;

/// <content>One dream per scope: the lease, conflicts, renewal and recovery of abandoned runs.</content>
public abstract partial class DreamRunStoreConformanceTests
{
    /// <summary>A second start in a scope whose dream is running fails naming the scope and the running run; other scopes are free.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StartAsync_WhileAnotherRunOfTheScopeRuns_ThrowsConflict()
    {
        var store = await NewStoreAsync();
        var first = await RunningAsync(store, Bot);
        var second = await store.CreateAsync(Request(Bot));
        Clock.Advance(Lease - TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAnyAsync<DreamConflictException>(() => store.StartAsync(second.Id, "host-2", Lease));

        Assert.Equal(Bot, error.Scope);
        Assert.Equal(first.Id, error.RunningRunId);
        Assert.Equal(first.LeaseExpiresAt, error.LeaseExpiresAt);
        Assert.Contains(Bot.Key, error.Message, StringComparison.Ordinal);
        Assert.Contains(first.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains(second.Id, error.Message, StringComparison.Ordinal);
        Assert.Equal(DreamRunStatus.Pending, (await store.GetAsync(second.Id))!.Status);
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(first.Id))!.Status);
        Assert.Equal(DreamRunStatus.Running, (await RunningAsync(store, Other)).Status);
    }

    /// <summary>When the running dream's lease has expired, the next start marks it failed as abandoned and takes the scope.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StartAsync_AfterTheRunningLeaseExpired_AbandonsItAndStarts()
    {
        var store = await NewStoreAsync();
        var first = await RunningAsync(store, Bot);
        await store.UpdateProgressAsync(first.Id, FullResults());
        var second = await store.CreateAsync(Request(Bot));
        Clock.Advance(Lease);

        var started = await store.StartAsync(second.Id, "host-2", Lease);

        Assert.Equal(DreamRunStatus.Running, started.Status);
        var abandoned = (await store.GetAsync(first.Id))!;
        Assert.Equal(DreamRunStatus.Failed, abandoned.Status);
        Assert.Equal(DreamRunStoreRules.AbandonedError, abandoned.Error);
        Assert.Equal(Milliseconds(BaseTime + Lease), abandoned.EndedAt);
        ResultsEqual(FullResults(), abandoned.Results);
        await AssertStateErrorAsync(() => store.CompleteAsync(first.Id, FullResults()), first.Id, "abandoned");
    }

    /// <summary>Renewing moves the expiry forward, so a start that the old expiry would have allowed still conflicts.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RenewLeaseAsync_ExtendsTheLease()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);
        var waiting = await store.CreateAsync(Request(Bot));
        Clock.Advance(TimeSpan.FromMinutes(4));

        var renewed = await store.RenewLeaseAsync(run.Id, "host-1", Lease);
        Clock.Advance(TimeSpan.FromMinutes(4));

        Assert.Equal(Milliseconds(BaseTime.AddMinutes(4) + Lease), renewed.LeaseExpiresAt);
        await Assert.ThrowsAnyAsync<DreamConflictException>(() => store.StartAsync(waiting.Id, "host-2", Lease));
        Assert.Empty(await store.RecoverAbandonedAsync());
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(DreamRunStatus.Running, (await store.StartAsync(waiting.Id, "host-2", Lease)).Status);
    }

    /// <summary>Only the holder can renew a lease, and only while the run is running.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RenewLeaseAsync_OtherHolderOrPendingRun_ThrowsStateError()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);
        var pending = await store.CreateAsync(Request(Other));

        await AssertStateErrorAsync(() => store.RenewLeaseAsync(run.Id, "intruder", Lease), run.Id, "'intruder'", "'host-1'");
        await AssertStateErrorAsync(() => store.RenewLeaseAsync(pending.Id, "host-1", Lease), pending.Id, "not started");

        Assert.Equal(run.LeaseExpiresAt, (await store.GetAsync(run.Id))!.LeaseExpiresAt);
    }

    /// <summary>Of many starts racing for one scope, exactly one wins; the others get a conflict naming the winner.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task StartAsync_Concurrent_ExactlyOneWinsPerScope()
    {
        var store = await NewStoreAsync();
        var runs = new List<DreamRun>();
        for (var i = 0; i < 12; i++)
        {
            runs.Add(await store.CreateAsync(Request(Bot)));
        }

        var outcomes = await Task.WhenAll(runs.Select((run, i) => Task.Run(async () =>
        {
            try
            {
                return (Started: (await store.StartAsync(run.Id, "host-" + i, Lease)).Id, Conflict: (string?)null);
            }
            catch (DreamConflictException conflict)
            {
                return (Started: (string?)null, Conflict: conflict.RunningRunId);
            }
        })));

        var winner = Assert.Single(outcomes, outcome => outcome.Started is not null).Started;
        Assert.All(outcomes.Where(outcome => outcome.Started is null), outcome => Assert.Equal(winner, outcome.Conflict));
        Assert.Single(await store.ListAsync(Bot), run => run.Status == DreamRunStatus.Running);
    }

    /// <summary>Recovery marks runs whose lease expired failed as abandoned, keeping their results, and leaves the rest alone.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAbandonedAsync_FailsExpiredRunsOnly()
    {
        var store = await NewStoreAsync();
        var expired = await RunningAsync(store, Bot);
        await store.UpdateProgressAsync(expired.Id, FullResults());
        var pending = await store.CreateAsync(Request(Bot));
        Clock.Advance(TimeSpan.FromMinutes(3));
        var live = await RunningAsync(store, Other);
        Clock.Advance(TimeSpan.FromMinutes(3));

        var recovered = await store.RecoverAbandonedAsync();

        var run = Assert.Single(recovered);
        Assert.Equal(expired.Id, run.Id);
        Assert.Equal(DreamRunStatus.Failed, run.Status);
        Assert.Equal(DreamRunStoreRules.AbandonedError, run.Error);
        Assert.Equal(Milliseconds(BaseTime.AddMinutes(6)), run.EndedAt);
        ResultsEqual(FullResults(), (await store.GetAsync(expired.Id))!.Results);
        Assert.Equal(DreamRunStatus.Pending, (await store.GetAsync(pending.Id))!.Status);
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(live.Id))!.Status);
        Assert.Empty(await store.RecoverAbandonedAsync());
        Assert.Equal(DreamRunStatus.Running, (await store.StartAsync(pending.Id, "host-2", Lease)).Status);
    }

    /// <summary>Recovery at a given time judges leases at that time and stamps the runs with it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAbandonedAsync_AtAGivenTime_UsesThatTime()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);

        Assert.Empty(await store.RecoverAbandonedAsync(BaseTime + Lease - TimeSpan.FromSeconds(1)));
        var recovered = Assert.Single(await store.RecoverAbandonedAsync(BaseTime.AddHours(1)));

        Assert.Equal(run.Id, recovered.Id);
        Assert.Equal(Milliseconds(BaseTime.AddHours(1)), recovered.EndedAt);
    }
}
