using Xunit;

namespace Dreaming.Testing;

/// <content>Listing the runs of every scope (<see cref="IDreamRunStore.QueryRunsAsync"/>), which an operator reads during
/// an incident. A store that does not implement it (the interface's default) must say so with
/// <see cref="NotSupportedException"/> and passes these cases; one that does must list as the library's stores do.</content>
public abstract partial class DreamRunStoreConformanceTests
{
    /// <summary>The runs of every scope come newest first (request time, then creation order), filtered by status, paged
    /// with a cursor that neither repeats nor skips a run, and the last page has no cursor.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryRunsAsync_ListsTheRunsOfEveryScopeNewestFirstInPages()
    {
        var store = await NewStoreAsync();
        if (await QueryUnlessNotSupportedAsync(store, new DreamRunQuery()) is not { } empty)
        {
            return;
        }

        Assert.Empty(empty.Items);
        Assert.Null(empty.NextCursor);
        var first = await store.CreateAsync(Request(Bot));
        var sameMillisecond = await store.CreateAsync(Request(Other));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var failed = await RunningAsync(store, Other);
        await store.FailAsync(failed.Id, "boom");
        var running = await RunningAsync(store, Bot);
        Clock.Advance(TimeSpan.FromSeconds(1));
        var global = await store.CreateAsync(Request(MemoryScope.Global));
        string[] newestFirst = [global.Id, running.Id, failed.Id, sameMillisecond.Id, first.Id];

        var all = await store.QueryRunsAsync(new DreamRunQuery { Limit = 10 });
        var pages = new List<string>();
        var cursors = 0;
        var page = await store.QueryRunsAsync(new DreamRunQuery { Limit = 2 });
        while (true)
        {
            Assert.InRange(page.Items.Count, 1, 2);
            pages.AddRange(page.Items.Select(run => run.Id));
            if (page.NextCursor is not { } next)
            {
                break;
            }

            cursors++;
            page = await store.QueryRunsAsync(new DreamRunQuery { Limit = 2, Cursor = next });
        }

        var exact = await store.QueryRunsAsync(new DreamRunQuery { Limit = 5 });
        var runningOnly = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Running });
        var pendingOnly = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Pending });
        var failedOnly = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Failed });
        var canceledOnly = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Canceled });

        Assert.Equal(newestFirst, all.Items.Select(run => run.Id));
        Assert.Null(all.NextCursor);
        Assert.Equal(newestFirst, pages);
        Assert.Equal(2, cursors);
        Assert.Null(exact.NextCursor);
        Assert.Equal([running.Id], runningOnly.Items.Select(run => run.Id));
        Assert.Equal("host-1", runningOnly.Items[0].LeaseHolder);
        Assert.Equal(Milliseconds(running.LeaseExpiresAt!.Value), Milliseconds(runningOnly.Items[0].LeaseExpiresAt!.Value));
        Assert.Equal([global.Id, sameMillisecond.Id, first.Id], pendingOnly.Items.Select(run => run.Id));
        Assert.Equal([MemoryScope.Global, Other, Bot], pendingOnly.Items.Select(run => run.Scope));
        Assert.Equal("boom", Assert.Single(failedOnly.Items).Error);
        Assert.Empty(canceledOnly.Items);
        Assert.Null(canceledOnly.NextCursor);
    }

    /// <summary>A status filter pages with its own cursor: a full page of running runs of many scopes has a cursor, and the
    /// next page holds the rest, the stuck ones (lease expired) among them as stored.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryRunsAsync_PagesAStatusFilterAcrossScopes()
    {
        var store = await NewStoreAsync();
        if (await QueryUnlessNotSupportedAsync(store, new DreamRunQuery()) is null)
        {
            return;
        }

        var stuck = await RunningAsync(store, MemoryScope.Team("t0"));
        Clock.Advance(Lease * 2);
        var runs = new List<DreamRun> { stuck };
        for (var i = 1; i < 5; i++)
        {
            var done = await RunningAsync(store, MemoryScope.Team("t" + i));
            await store.CompleteAsync(done.Id, DreamRunResults.Empty);
            runs.Add(await RunningAsync(store, MemoryScope.Team("t" + i)));
        }

        var firstPage = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Running, Limit = 3 });
        var secondPage = await store.QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Running, Limit = 3, Cursor = firstPage.NextCursor });
        var now = Clock.GetUtcNow();

        Assert.Equal(runs.Select(run => run.Id).Reverse(), firstPage.Items.Concat(secondPage.Items).Select(run => run.Id));
        Assert.NotNull(firstPage.NextCursor);
        Assert.Null(secondPage.NextCursor);
        Assert.All(firstPage.Items.Concat(secondPage.Items), run => Assert.Equal(DreamRunStatus.Running, run.Status));
        Assert.Equal([stuck.Id], secondPage.Items.Where(run => DreamRunStoreRules.IsAbandoned(run, now)).Select(run => run.Id));
    }

    /// <summary>Runs created, and runs that change state, between two pages: each run is listed once, in its place. A run
    /// created after the first page (in the same millisecond as every other here, so only the creation order tells them
    /// apart) is newer than that page and on none of the next; a run that was canceled keeps its place.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryRunsAsync_ListsEachRunOnceWhenRunsAreCreatedOrChangeBetweenPages()
    {
        var store = await NewStoreAsync();
        if (await QueryUnlessNotSupportedAsync(store, new DreamRunQuery()) is null)
        {
            return;
        }

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.CreateAsync(Request(MemoryScope.Team("t" + i)))).Id);
        }

        var first = await store.QueryRunsAsync(new DreamRunQuery { Limit = 2 });
        var created = await store.CreateAsync(Request(MemoryScope.Team("new")));
        await store.CancelAsync(ids[4]);
        await store.CancelAsync(ids[1]);
        var rest = new List<DreamRun>();
        for (var cursor = first.NextCursor; cursor is not null;)
        {
            var page = await store.QueryRunsAsync(new DreamRunQuery { Limit = 2, Cursor = cursor });
            rest.AddRange(page.Items);
            cursor = page.NextCursor;
        }

        var now = await store.QueryRunsAsync(new DreamRunQuery { Limit = 10 });

        Assert.Equal([ids[4], ids[3]], first.Items.Select(run => run.Id));
        Assert.Equal([ids[2], ids[1], ids[0]], rest.Select(run => run.Id));
        Assert.Equal(DreamRunStatus.Canceled, rest[1].Status);
        Assert.Equal([created.Id, ids[4], ids[3], ids[2], ids[1], ids[0]], now.Items.Select(run => run.Id));
    }

    /// <summary>A bad query fails with an argument exception naming it, and a canceled token cancels.</summary>
    /// <returns>A task that completes when the test has run.</returns>
    [Fact]
    public async Task QueryRunsAsync_RejectsBadQueriesAndHonoursCancellation()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync(Request(Bot));

        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.QueryRunsAsync(null!));
        var tooMany = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.QueryRunsAsync(new DreamRunQuery { Limit = DreamRunStoreRules.MaxListLimit + 1 }));
        var none = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.QueryRunsAsync(new DreamRunQuery { Limit = 0 }));
        var status = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => store.QueryRunsAsync(new DreamRunQuery { Status = (DreamRunStatus)42 }));
        Assert.Equal(nameof(DreamRunQuery.Limit), tooMany.ParamName);
        Assert.Equal(nameof(DreamRunQuery.Limit), none.ParamName);
        Assert.Equal(nameof(DreamRunQuery.Status), status.ParamName);
        if (await QueryUnlessNotSupportedAsync(store, new DreamRunQuery()) is null)
        {
            return;
        }

        var cursor = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.QueryRunsAsync(new DreamRunQuery { Cursor = "not a cursor" }));
        Assert.Contains("not a cursor", cursor.Message, StringComparison.Ordinal);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await StoreAssert.CanceledAsync(nameof(IDreamRunStore.QueryRunsAsync), () => store.QueryRunsAsync(new DreamRunQuery(), cancellation.Token));
    }

    // The first page, or null when the store does not list across scopes (the interface's default), which it must say
    // with NotSupportedException.
    private static async Task<DreamRunPage?> QueryUnlessNotSupportedAsync(IDreamRunStore store, DreamRunQuery query)
    {
        try
        {
            return await store.QueryRunsAsync(query);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
