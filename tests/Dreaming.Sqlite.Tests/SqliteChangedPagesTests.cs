using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>A query of the sessions changed after a change number (<see cref="SessionQuery.ChangedAfter"/>) seeks the change
/// index when few changed (the scheduler's poll), and walks the start-order index when many did, so that paging through a
/// large change set costs each page its rows rather than a sort of every changed session.</summary>
public sealed class SqliteChangedPagesTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Many_changed_sessions_are_paged_in_start_order_without_sorting_them_all_at_each_page()
    {
        // 2,000 sessions imported (each numbered) out of start order, as older logs imported after newer ones.
        var path = _folder.File("many.db");
        using var store = new SqliteTraceStore(path);
        var order = Enumerable.Range(0, 2_000).Select(i => (i * 7_919) % 2_000).ToList();
        foreach (var chunk in order.Chunk(500))
        {
            await store.ImportAsync([.. chunk.Select(i => new SessionWithEvents(Session($"s-{i:D4}", i, agent: i % 3 == 0 ? "a" : "b"), []))]);
        }

        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;
        Assert.Equal(2_000, horizon);

        // From 0 every session changed: a page walks the start-order index, comparing each row's number, and sorts nothing.
        var dense = PlanOf(path, new SessionQuery { ChangedAfter = 0, PageSize = 100, Order = SessionOrder.NewestFirst }, new SessionCursor(BaseTime.AddMinutes(1_500).ToUnixTimeMilliseconds(), "s-1500"));
        Assert.DoesNotContain("ix_sessions_change", dense, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", dense, StringComparison.Ordinal);

        // A few changed since (the scheduler's poll): the change index is sought and those few are sorted, as before.
        var sparse = PlanOf(path, new SessionQuery { ChangedAfter = horizon - 5, PageSize = 100, Order = SessionOrder.NewestFirst }, null);
        Assert.Contains("USING INDEX ix_sessions_change (change_no>?)", sparse, StringComparison.Ordinal);

        // Either way the pages hold what the query without a change bound gives, in its order, with the other filters.
        foreach (var (agent, sessionOrder) in new (string?, SessionOrder)[] { (null, SessionOrder.NewestFirst), ("a", SessionOrder.OldestFirst), ("b", SessionOrder.NewestFirst) })
        {
            var expected = await ReadAllAsync(store, new SessionQuery { AgentId = agent, Order = sessionOrder, PageSize = 100 });
            Assert.Equal(expected, await ReadAllAsync(store, new SessionQuery { AgentId = agent, Order = sessionOrder, PageSize = 100, ChangedAfter = 0 }));
            Assert.Equal(expected.Where(id => order.IndexOf(int.Parse(id[2..], System.Globalization.CultureInfo.InvariantCulture)) >= 1_990), await ReadAllAsync(store, new SessionQuery { AgentId = agent, Order = sessionOrder, PageSize = 100, ChangedAfter = horizon - 10 }));
        }
    }

    [Fact]
    public async Task After_retention_deleted_most_sessions_the_plan_counts_the_sessions_left_not_every_one_written()
    {
        // 2,000 sessions imported in start order, then the 1,900 oldest purged: 100 are left, every one changed after 0.
        var path = _folder.File("purged.db");
        using var store = new SqliteTraceStore(path);
        foreach (var chunk in Enumerable.Range(0, 2_000).Chunk(500))
        {
            await store.ImportAsync([.. chunk.Select(i => new SessionWithEvents(Session($"s-{i:D4}", i, agent: "a"), []))]);
        }

        Assert.Equal(1_900, await store.PurgeAsync(BaseTime.AddMinutes(1_900)));

        // 100 changed of 100 is many (the root of 11 × 100 is 34): the start-order index is walked, nothing sorted. The
        // largest rowid (2,000) had the root at 149, so the 100 were read and sorted at each page.
        var plan = PlanOf(path, new SessionQuery { ChangedAfter = 0, PageSize = 10, Order = SessionOrder.NewestFirst }, null);
        Assert.DoesNotContain("ix_sessions_change", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);

        // A few changed since are still sought in the change index.
        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;
        Assert.Contains("USING INDEX ix_sessions_change (change_no>?)", PlanOf(path, new SessionQuery { ChangedAfter = horizon - 5, PageSize = 10 }, null), StringComparison.Ordinal);
        var all = await ReadAllAsync(store, new SessionQuery { PageSize = 10 });
        Assert.Equal(100, all.Count);
        Assert.Equal(all, await ReadAllAsync(store, new SessionQuery { PageSize = 10, ChangedAfter = 0 }));
    }

    private static async Task<List<string>> ReadAllAsync(SqliteTraceStore store, SessionQuery query)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.QuerySessionsAsync(query with { Cursor = cursor });
            ids.AddRange(page.Items.Select(static s => s.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return ids;
    }

    private static string PlanOf(string path, SessionQuery query, SessionCursor? after)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = SqliteSessionQuery.Create(connection, query, after);
        return SqliteReadPlanTests.Plan(path, command.CommandText, [.. command.Parameters.Cast<SqliteParameter>().Select(p => (p.ParameterName, p.Value!))]);
    }

    private static SessionRecord Session(string id, int minutes, string agent) => new()
    {
        Id = id,
        AgentId = agent,
        Task = "task " + id,
        Status = SessionStatus.Completed,
        StartedAt = BaseTime.AddMinutes(minutes),
        EndedAt = BaseTime.AddMinutes(minutes + 1),
        Outcome = SessionOutcome.Succeeded(),
    };
}
