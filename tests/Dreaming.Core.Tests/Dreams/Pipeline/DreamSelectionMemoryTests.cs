namespace Dreaming.Tests;

/// <summary>A dream's selection keeps the <see cref="DreamRunRequest.MaxSessions"/> first candidates while it walks the
/// scope, not every candidate: on a year's file a global dream held 154,000 session records (466 MB peak) to keep 100.</summary>
public class DreamSelectionMemoryTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_selection_holds_no_more_candidates_than_it_keeps_while_it_walks_and_keeps_the_first_by_end()
    {
        const int Sessions = 2500;
        var inner = new InMemoryTraceStore();

        // Ends in an order unlike the starts, so that the first by end are not the first or last read.
        await inner.ImportAsync([.. Enumerable.Range(0, Sessions).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = "s" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture),
                AgentId = "bot",
                Task = "t",
                Status = SessionStatus.Completed,
                StartedAt = s_start.AddMinutes(i),
                EndedAt = s_start.AddMinutes(i).AddSeconds((i * 7919) % Sessions),
                Outcome = i % 2 == 0 ? SessionOutcome.Succeeded() : SessionOutcome.Failed(),
            },
            [new NoteEvent { SessionId = "s" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), Sequence = 1, Timestamp = s_start, Text = "n" }]))]);
        var store = new WatchingStore(inner);
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("bot"), MaxSessions = 10 };

        var selected = await DreamSessionSelector.SelectAsync(store, request, after: null, history: null, CancellationToken.None);

        Assert.Equal(3, store.Pages);
        Assert.True(store.MostAliveFromEarlierPages <= request.MaxSessions, $"{store.MostAliveFromEarlierPages} records of pages before the last were still held");
        var all = (await inner.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize })).Items
            .Concat((await inner.QuerySessionsAsync(new SessionQuery { PageSize = SessionQuery.MaxPageSize, Order = SessionOrder.OldestFirst })).Items)
            .DistinctBy(s => s.Id)
            .OrderBy(s => s.EndedAt!.Value.ToUnixTimeMilliseconds()).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Take(10).Select(s => s.Id);
        Assert.Equal(all, selected.Select(s => s.Session.Id));
        Assert.All(selected, s => Assert.Single(s.Events));
    }

    /// <summary>Gives the selector copies of the records, so that only it holds them, and counts, as each page is asked
    /// for, how many records of the pages before the last one are still alive (the walk itself holds the last page while
    /// it asks for the next).</summary>
    private sealed class WatchingStore(InMemoryTraceStore inner) : ForwardingTraceStore(inner)
    {
        private readonly List<List<WeakReference>> _given = [];

        public int Pages => _given.Count;

        public int MostAliveFromEarlierPages { get; private set; }

        public override async Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
        {
            if (_given.Count > 1)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                MostAliveFromEarlierPages = Math.Max(MostAliveFromEarlierPages, _given.SkipLast(1).Sum(page => page.Count(w => w.IsAlive)));
            }

            var page = await base.QuerySessionsAsync(query, cancellationToken);
            var copies = page.Items.Select(s => s with { }).ToList();
            _given.Add([.. copies.Select(c => new WeakReference(c))]);
            return new SessionPage(copies, page.NextCursor);
        }
    }
}
