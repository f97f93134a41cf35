using Microsoft.Data.Sqlite;

namespace Dreaming.Sqlite.Tests;

/// <summary>Whichever plan a <see cref="SessionQuery.ChangedAfter"/> query takes (the change index sought when few changed,
/// the start-order walk when many did), its pages are those of the in-memory store's query with the same filters, order
/// and cursor, keeping the sessions whose SQLite change number is above the bound: random files, filters, page sizes,
/// bounds and starting cursors.</summary>
public sealed class SqliteChangedPagesPropertyTests : IDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2025, 3, 14, 9, 0, 0, 123, TimeSpan.Zero);
    private static readonly string[] Agents = ["a", "b", "c"];
    private static readonly string?[] Scopes = [null, "t1", "t2"];
    private static readonly string?[] Labels = [null, "success", "failure"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Pages_of_a_change_bound_are_the_in_memory_store_pages_whichever_plan_is_taken(int seed)
    {
        var random = new Random(seed);
        var path = _folder.File($"property-{seed}.db");
        using var store = new SqliteTraceStore(path);
        var memory = new InMemoryTraceStore();

        // Sessions with few distinct start times (ties broken by id), imported out of start order, some graded after.
        var sessions = Enumerable.Range(0, 600).Select(i => RandomSession(random, i)).ToList();
        foreach (var chunk in sessions.OrderBy(_ => random.Next()).Chunk(37))
        {
            var batch = chunk.Select(s => new SessionWithEvents(s, [])).ToList();
            await store.ImportAsync(batch);
            await memory.ImportAsync(batch);
        }

        foreach (var session in sessions.Where(_ => random.Next(5) == 0))
        {
            var outcome = random.Next(2) == 0 ? SessionOutcome.Succeeded() : SessionOutcome.Failed();
            await store.SetOutcomeAsync(session.Id, outcome);
            await memory.SetOutcomeAsync(session.Id, outcome);
        }

        var horizon = (await store.GetSessionChangeHorizonAsync())!.Value;
        var numbers = new Dictionary<string, long?>(StringComparer.Ordinal);
        foreach (var session in await ReadAllAsync(store, new SessionQuery { PageSize = SessionQuery.MaxPageSize }, null))
        {
            numbers[session.Id] = session.ChangeNumber;
        }

        Assert.Equal(sessions.Count, numbers.Count);
        var plans = new HashSet<bool>();
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        for (var round = 0; round < 150; round++)
        {
            var query = RandomQuery(random);
            var bound = random.Next(4) switch { 0 => 0, 1 => horizon - random.Next(1, 20), _ => random.NextInt64(0, horizon + 1) };
            var baseline = await ReadAllAsync(memory, query, null);

            // A starting cursor taken from the baseline (the bound query continues a page of another read), or none.
            string? start = null;
            if (baseline.Count > 1 && random.Next(2) == 0)
            {
                var page = await memory.QuerySessionsAsync(query with { PageSize = random.Next(1, baseline.Count) });
                start = page.NextCursor;
            }

            var expected = (start is null ? baseline : await ReadAllAsync(memory, query, start))
                .Where(s => numbers[s.Id] > bound).Select(s => s.Id).ToList();
            var bounded = query with { ChangedAfter = bound };
            var pages = await ReadPagesAsync(store, bounded, start);
            Assert.Equal(expected, pages.SelectMany(p => p).ToList());
            Assert.All(pages.SkipLast(1), p => Assert.Equal(query.PageSize, p.Count));
            Assert.True(pages.Count == 1 || pages[^1].Count > 0, "The last page came back empty.");

            using var command = SqliteSessionQuery.Create(connection, bounded, null);
            plans.Add(command.CommandText.Contains("+change_no", StringComparison.Ordinal));
        }

        Assert.Equal(2, plans.Count);
    }

    private static SessionRecord RandomSession(Random random, int i)
    {
        // Imports take finished sessions only.
        var status = random.Next(4) == 0 ? SessionStatus.Failed : SessionStatus.Completed;
        var started = BaseTime.AddMinutes(random.Next(120));
        var label = Labels[random.Next(Labels.Length)];
        return new SessionRecord
        {
            Id = $"s-{random.Next(100_000):D5}-{i:D3}",
            AgentId = Agents[random.Next(Agents.Length)],
            Scope = Scopes[random.Next(Scopes.Length)],
            Task = "task",
            ParentSessionId = random.Next(8) == 0 ? "p-" + random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            Status = status,
            StartedAt = started,
            EndedAt = started.AddMinutes(random.Next(1, 60)),
            Outcome = label is null ? null : new SessionOutcome { Label = label },
        };
    }

    private static SessionQuery RandomQuery(Random random)
    {
        int[] sizes = [1, 2, 3, 7, 25, 100, SessionQuery.MaxPageSize];
        SessionStatus?[] statuses = [null, null, SessionStatus.Completed, SessionStatus.Failed];
        return new SessionQuery
        {
            AgentId = random.Next(3) == 0 ? Agents[random.Next(Agents.Length)] : null,
            Scope = random.Next(3) == 0 ? Scopes[random.Next(1, Scopes.Length)] : null,
            Status = statuses[random.Next(statuses.Length)],
            OutcomeLabel = random.Next(5) == 0 ? Labels[random.Next(1, Labels.Length)] : null,
            ParentSessionId = random.Next(8) == 0 ? "p-" + random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            StartedFrom = random.Next(4) == 0 ? BaseTime.AddMinutes(random.Next(120)) : null,
            StartedBefore = random.Next(4) == 0 ? BaseTime.AddMinutes(random.Next(120)) : null,
            EndedFrom = random.Next(4) == 0 ? BaseTime.AddMinutes(random.Next(180)) : null,
            Order = random.Next(2) == 0 ? SessionOrder.NewestFirst : SessionOrder.OldestFirst,
            PageSize = sizes[random.Next(sizes.Length)],
        };
    }

    private static async Task<List<SessionRecord>> ReadAllAsync(ITraceStore store, SessionQuery query, string? start) =>
        [.. (await ReadPagesRecordsAsync(store, query, start)).SelectMany(p => p)];

    private static async Task<List<List<string>>> ReadPagesAsync(ITraceStore store, SessionQuery query, string? start) =>
        [.. (await ReadPagesRecordsAsync(store, query, start)).Select(p => p.Select(static s => s.Id).ToList())];

    private static async Task<List<IReadOnlyList<SessionRecord>>> ReadPagesRecordsAsync(ITraceStore store, SessionQuery query, string? start)
    {
        var pages = new List<IReadOnlyList<SessionRecord>>();
        var cursor = start;
        do
        {
            var page = await store.QuerySessionsAsync(query with { Cursor = cursor });
            pages.Add(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return pages;
    }
}
