using Xunit;

namespace Dreaming.Testing;

/// <content>Listing runs and finding the last completed one.</content>
public abstract partial class DreamRunStoreConformanceTests
{
    /// <summary>Runs of a scope are listed newest first, up to the limit, with creation order breaking ties.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task ListAsync_ReturnsTheScopesRunsNewestFirst()
    {
        var store = await NewStoreAsync();
        var first = await store.CreateAsync(Request(Bot));
        var sameMillisecond = await store.CreateAsync(Request(Bot));
        await store.CreateAsync(Request(Other));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var latest = await RunningAsync(store, Bot);

        var all = await store.ListAsync(Bot);
        var two = await store.ListAsync(Bot, 2);

        Assert.Equal([latest.Id, sameMillisecond.Id, first.Id], all.Select(run => run.Id));
        Assert.Equal([latest.Id, sameMillisecond.Id], two.Select(run => run.Id));
        Assert.Equal(DreamRunStatus.Running, all[0].Status);
        Assert.Single(await store.ListAsync(Other));
        Assert.Empty(await store.ListAsync(MemoryScope.Global));
    }

    /// <summary>The last completed run is the one that ended last; failed, canceled and running runs do not count.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task GetLastCompletedAsync_ReturnsTheRunThatCompletedLast()
    {
        var store = await NewStoreAsync();
        var older = await RunningAsync(store, Bot);
        await store.CompleteAsync(older.Id, DreamRunResults.Empty with { Cursor = new DreamCursor(BaseTime, "s-old") });
        Clock.Advance(TimeSpan.FromMinutes(1));
        var newer = await RunningAsync(store, Bot);
        await store.CompleteAsync(newer.Id, FullResults());
        Clock.Advance(TimeSpan.FromMinutes(1));
        var failed = await RunningAsync(store, Bot);
        await store.FailAsync(failed.Id, "boom", FullResults());
        var canceled = await RunningAsync(store, Bot);
        await store.CancelAsync(canceled.Id);
        await RunningAsync(store, Bot);

        var last = await store.GetLastCompletedAsync(Bot);

        Assert.Equal(newer.Id, last!.Id);
        Assert.Equal(new DreamCursor(Milliseconds(BaseTime.AddMinutes(-1)), "session-ä-3"), last.Results.Cursor);
        Assert.Null(await store.GetLastCompletedAsync(Other));
    }
}
