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

    /// <summary>The NUL character (U+0000) is Unicode text: it comes back as given in every text of a run (a store whose text
    /// type cannot hold it escapes it), next to U+FFFD and U+FFFF, and a scope whose id holds one is a scope of its own, with
    /// its own running run, not the scope whose id has U+FFFD there.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task CreateStartAndFailAsync_NulCharactersInText_ComeBackAsGiven()
    {
        var store = await NewStoreAsync();
        var nul = MemoryScope.Agent("b\0t");
        var replaced = MemoryScope.Agent("b\uFFFDt");
        var request = Request(nul) with { Instructions = "be\0brief \uFFFD\uFFFF\0\uFFFF0" };
        var run = await store.CreateAsync(request);
        await store.StartAsync(run.Id, "host\0a", Lease);
        var other = await RunningAsync(store, replaced);
        var results = DreamRunResults.Empty with { SessionIds = ["s\01"], Cursor = new DreamCursor(BaseTime, "s\01"), Note = "n\0", InputVersionId = "v\0" };

        var failed = await store.FailAsync(run.Id, "model said \0", results);
        var stored = (await store.GetAsync(run.Id))!;

        foreach (var value in new[] { failed, stored })
        {
            Assert.Equal(request, value.Request);
            Assert.Equal("host\0a", value.LeaseHolder);
            Assert.Equal("model said \0", value.Error);
            ResultsEqual(results, value.Results);
        }

        Assert.Equal([run.Id], (await store.ListAsync(nul)).Select(value => value.Id));
        Assert.Equal([other.Id], (await store.ListAsync(replaced)).Select(value => value.Id));
        Assert.Equal(DreamRunStatus.Running, (await store.GetAsync(other.Id))!.Status);
    }
}
