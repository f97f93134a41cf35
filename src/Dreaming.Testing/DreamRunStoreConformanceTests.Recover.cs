using Xunit;

namespace Dreaming.Testing;

/// <content>Recovery of one scope's abandoned run, and of runs whose lease expired long enough ago
/// (<see cref="IDreamRunStore.RecoverAsync"/>). A store written before the member existed fails such a recovery with
/// <see cref="NotSupportedException"/> and passes these cases; one that implements it must end the runs as the library's
/// stores do.</content>
public abstract partial class DreamRunStoreConformanceTests
{
    /// <summary>A recovery of one scope ends that scope's abandoned run only; the other scope's stays running until a
    /// recovery of every scope.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAsync_OfOneScope_EndsThatScopesAbandonedRunOnly()
    {
        var store = await NewStoreAsync();
        var bot = await RunningAsync(store, Bot);
        var other = await RunningAsync(store, Other);
        Clock.Advance(Lease + TimeSpan.FromMinutes(1));

        if (await RecoverUnlessNotSupportedAsync(store, new DreamRunRecovery { Scope = Bot }) is not { } recovered)
        {
            return;
        }

        var run = Assert.Single(recovered);
        Assert.Equal(bot.Id, run.Id);
        Assert.Equal(DreamRunStatus.Failed, run.Status);
        Assert.Equal(DreamRunStoreRules.AbandonedError, run.Error);
        Assert.Equal(Milliseconds(BaseTime + Lease + TimeSpan.FromMinutes(1)), run.EndedAt);
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(other.Id))!.Status);
        Assert.Empty(await store.RecoverAsync(new DreamRunRecovery { Scope = Bot }));
        Assert.Equal(other.Id, Assert.Single(await store.RecoverAsync(new DreamRunRecovery())).Id);
    }

    /// <summary>A recovery of runs whose lease expired at least some time ago leaves a run whose lease expired more recently
    /// running, and ends the others at the recovery's time, not at the lease bound.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAsync_ExpiredFor_EndsOnlyRunsWhoseLeaseExpiredThatLongAgo_AtTheRecoverysTime()
    {
        var store = await NewStoreAsync();
        var old = await RunningAsync(store, Bot);
        Clock.Advance(TimeSpan.FromMinutes(10));
        var recent = await RunningAsync(store, Other);
        Clock.Advance(Lease + TimeSpan.FromMinutes(1));

        // The old run's lease expired 11 minutes ago, the recent one's 1 minute ago.
        if (await RecoverUnlessNotSupportedAsync(store, new DreamRunRecovery { ExpiredFor = TimeSpan.FromMinutes(5) }) is not { } recovered)
        {
            return;
        }

        var run = Assert.Single(recovered);
        Assert.Equal(old.Id, run.Id);
        Assert.Equal(Milliseconds(BaseTime + TimeSpan.FromMinutes(16)), run.EndedAt);
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(recent.Id))!.Status);

        // Exactly at the bound counts as expired that long, as a lease is expired at its expiry.
        Assert.Empty(await store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1) }));
        Assert.Equal(recent.Id, Assert.Single(await store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromMinutes(1) })).Id);
    }

    /// <summary>A recovery at a given time counts the lease's age back from that time and ends the runs at it.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAsync_AtAGivenTime_CountsBackFromItAndEndsAtIt()
    {
        var store = await NewStoreAsync();
        var run = await RunningAsync(store, Bot);
        var at = BaseTime + Lease + TimeSpan.FromMinutes(30);

        if (await RecoverUnlessNotSupportedAsync(store, new DreamRunRecovery { Now = at, ExpiredFor = TimeSpan.FromMinutes(31) }) is not { } none)
        {
            return;
        }

        Assert.Empty(none);
        var recovered = Assert.Single(await store.RecoverAsync(new DreamRunRecovery { Now = at, ExpiredFor = TimeSpan.FromMinutes(30), Scope = Bot }));
        Assert.Equal(run.Id, recovered.Id);
        Assert.Equal(Milliseconds(at), recovered.EndedAt);
    }

    /// <summary>The default recovery ends what <see cref="IDreamRunStore.RecoverAbandonedAsync"/> ends, in every store; a
    /// recovery out of range is refused naming it, and a null one naming the parameter.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAsync_Default_EndsEveryExpiredRun_AndBadArgumentsAreRefused()
    {
        var store = await NewStoreAsync();
        var bot = await RunningAsync(store, Bot);
        var other = await RunningAsync(store, Other);
        Clock.Advance(Lease);

        var recovered = await store.RecoverAsync(new DreamRunRecovery());

        Assert.Equal(new[] { bot.Id, other.Id }.Order(StringComparer.Ordinal), recovered.Select(run => run.Id).Order(StringComparer.Ordinal));
        Assert.Equal("recovery", (await Assert.ThrowsAsync<ArgumentNullException>(() => store.RecoverAsync(null!))).ParamName);
        var negative = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromSeconds(-1) }));
        Assert.Equal(nameof(DreamRunRecovery.ExpiredFor), negative.ParamName);
    }

    /// <summary>Recoveries of one scope racing a recovery of every scope end each run once.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task RecoverAsync_Concurrent_EndsEachRunOnce()
    {
        var store = await NewStoreAsync();
        var runs = new[] { await RunningAsync(store, Bot), await RunningAsync(store, Other) };
        Clock.Advance(Lease + TimeSpan.FromMinutes(1));
        if (await RecoverUnlessNotSupportedAsync(store, new DreamRunRecovery { Scope = MemoryScope.Agent("nobody") }) is null)
        {
            return;
        }

        var recoveries = Enumerable.Range(0, 12).Select(i => Task.Run(() => (i % 3) switch
        {
            0 => store.RecoverAsync(new DreamRunRecovery { Scope = Bot }),
            1 => store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromMinutes(1) }),
            _ => store.RecoverAbandonedAsync(),
        }));
        var ended = (await Task.WhenAll(recoveries)).SelectMany(recovered => recovered).Select(run => run.Id).ToList();

        Assert.Equal(runs.Select(run => run.Id).Order(StringComparer.Ordinal), ended.Order(StringComparer.Ordinal));
    }

    // The runs the recovery ended; null when the store does not implement RecoverAsync (the interface's default fails such a
    // recovery with NotSupportedException).
    private static async Task<IReadOnlyList<DreamRun>?> RecoverUnlessNotSupportedAsync(IDreamRunStore store, DreamRunRecovery recovery)
    {
        try
        {
            return await store.RecoverAsync(recovery);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
