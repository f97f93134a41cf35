namespace Dreaming.Tests;

/// <summary>The recovery races the SQLite and PostgreSQL tests run on two stores over one database (PostgreSQL's links this
/// file): crashed orchestration runs seeded in three rounds an hour apart, two recoveries at once, and the interleaving in
/// which the second recovery runs whole just before the first ends a run it wrote the end of.</summary>
internal static class RecoveryRaceScenario
{
    private static readonly DateTimeOffset Start = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    // Each round's runs recovered by two calls let go at once, one on each store: each run gets one orchestration.failed
    // (abandoned) and is ended, and the two calls' observers together hear each run once.
    public static async Task AssertRacingRecoveriesEndEachRunOnceAsync(ITraceStore first, ITraceStore second)
    {
        var runs = await SeedAsync(first, 60);
        var heard = new[] { new RecordingObserver(), new RecordingObserver() };
        for (var round = 0; round < 3; round++)
        {
            // Each round recovers the runs seeded for it, both calls let go at once.
            using var go = new ManualResetEventSlim();
            var calls = new[] { first, second }.Select((store, i) => Task.Run(async () =>
            {
                go.Wait();
                return await store.AbandonRunningSessionsAsync(Start.AddHours(round + 1), [heard[i]]);
            })).ToArray();
            go.Set();
            var ended = await Task.WhenAll(calls);
            Assert.Equal(runs.Where(r => r.Round == round).Select(r => r.Id).Order(StringComparer.Ordinal), ended.SelectMany(e => e).Order(StringComparer.Ordinal));
        }

        foreach (var (id, _) in runs)
        {
            var failed = Assert.Single((await first.GetEventsAsync(id)).OfType<OrchestrationFailedEvent>());
            Assert.Equal(OrchestrationFailedEvent.AbandonedStatus, failed.Status);
            Assert.Equal(SessionStatus.Abandoned, (await first.GetSessionAsync(id))!.Status);
        }

        var told = heard.SelectMany(h => h.Events).Select(e => e.SessionId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(runs.Select(r => r.Id).Order(StringComparer.Ordinal), told);
    }

    // The first recovery has written the end of the first run when the second one runs from start to end on the other
    // store: the second finds that end written, writes none and ends the session; the first one's end is then refused.
    public static async Task AssertToldOnceWhenInterleavedAsync(ITraceStore first, ITraceStore second)
    {
        var runs = await SeedAsync(first, 6);
        var heard = new[] { new RecordingObserver(), new RecordingObserver() };
        var interleaved = new BeforeFirstCompletion(first, () => second.AbandonRunningSessionsAsync(Start.AddHours(3), [heard[1]]));

        await interleaved.AbandonRunningSessionsAsync(Start.AddHours(3), [heard[0]]);

        foreach (var (id, _) in runs)
        {
            Assert.Single((await first.GetEventsAsync(id)).OfType<OrchestrationFailedEvent>());
            Assert.Equal(SessionStatus.Abandoned, (await first.GetSessionAsync(id))!.Status);
        }

        Assert.Equal([runs[0].Id], heard[0].Events.Select(e => e.SessionId));
        Assert.Equal(runs.Skip(1).Select(r => r.Id), heard[1].Events.Select(e => e.SessionId).Order(StringComparer.Ordinal));
    }

    // Runs started (orchestration.started and an item's end) and runs still being planned (marked orchestration.run), in
    // three rounds an hour apart.
    private static async Task<List<(string Id, int Round)>> SeedAsync(ITraceStore store, int count)
    {
        var runs = new List<(string Id, int Round)>();
        for (var i = 0; i < count; i++)
        {
            var id = "run-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            var round = i % 3;
            var at = Start.AddHours(round).AddSeconds(i);
            runs.Add((id, round));
            var session = new SessionRecord { Id = id, AgentId = "orchestrator", Task = "goal", StartedAt = at, Metadata = new Dictionary<string, string> { [OrchestrationRun.SessionMetadataKey] = "coordinator" } };
            SessionEvent[] events = i % 2 == 0
                ? [new ModelResponseEvent { SessionId = id, Sequence = 1, Timestamp = at, Usage = new SessionUsage { InputTokens = 5, ModelCalls = 1 } }]
                : [
                    new OrchestrationStartedEvent { SessionId = id, Sequence = 1, Timestamp = at, Goal = "goal", ItemCount = 2, MaxConcurrency = 2, FailurePolicy = "stop_run", PlanSource = "coordinator" },
                    new OrchestrationItemCompletedEvent { SessionId = id, Sequence = 2, Timestamp = at, ItemId = "a", Agent = "worker", Status = "completed", Attempts = 1 },
                ];
            await store.WriteAsync(new TraceWriteBatch([session], events));
        }

        return runs;
    }

    private sealed class RecordingObserver : IOrchestrationObserver
    {
        private readonly Lock _gate = new();

        public List<SessionEvent> Events { get; } = [];

        public ValueTask OnEventAsync(SessionEvent sessionEvent, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                Events.Add(sessionEvent);
            }

            return ValueTask.CompletedTask;
        }
    }
}
