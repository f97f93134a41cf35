using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>A dream with no model over N synthetic sessions of about 50 events each (in-memory stores), against merely
/// streaming the same sessions out of the store (the baseline).</summary>
/// <remarks>Each operation is one whole dream, so the job runs few, long iterations. A fifth of the sessions fail with a
/// recurring refund error; others carry a harmless lookup error and a varied amount.</remarks>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class DreamBenchmarks
{
    private InMemoryTraceStore _traces = null!;

    [Params(1_000, 10_000, 100_000)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup() => _traces = Fill(Sessions);

    /// <summary>Builds an in-memory store of <paramref name="sessions"/> synthetic sessions.</summary>
    internal static InMemoryTraceStore Fill(int sessions)
    {
        var traces = new InMemoryTraceStore();
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = new List<SessionWithEvents>(1000);
        for (var i = 0; i < sessions; i++)
        {
            batch.Add(SyntheticSession(i, start));
            if (batch.Count == 1000)
            {
                traces.ImportAsync(batch).GetAwaiter().GetResult();
                batch.Clear();
            }
        }

        traces.ImportAsync(batch).GetAwaiter().GetResult();
        return traces;
    }

    [Benchmark(Baseline = true, Description = "stream the sessions out of the store")]
    public Task<long> Stream() => StreamAll(_traces);

    /// <summary>Streams every session of the benchmark's agent and counts the events.</summary>
    internal static async Task<long> StreamAll(ITraceStore traces)
    {
        long events = 0;
        await foreach (var session in traces.StreamSessionsAsync(new SessionQuery { AgentId = "bench", PageSize = SessionQuery.MaxPageSize }).ConfigureAwait(false))
        {
            events += session.Events.Count;
        }

        return events;
    }

    [Benchmark(Description = "dream (select, mine, lessons, curate, guard, commit)")]
    public async Task<DreamRun> Dream()
    {
        // Fresh memory and run stores, so every dream reads all sessions and writes version 1.
        var dreams = new DreamConsolidator(_traces, new InMemoryMemoryStore(), new InMemoryDreamRunStore());
        return await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bench"), MaxSessions = Sessions }).ConfigureAwait(false);
    }

    internal static SessionWithEvents SyntheticSession(int i, DateTimeOffset start)
    {
        var id = "s" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        var fails = i % 5 == 0;
        var events = new List<SessionEvent>(50) { new MessageEvent { Role = "user", Text = $"Refund order #W{1000 + (i % 9000)} please" } };
        for (var step = 0; events.Count < 48; step++)
        {
            var tool = (step % 3) switch { 0 => "lookup_order", 1 => "search_flights", _ => "get_user" };
            var error = step == 1 && i % 7 == 0;
            events.Add(new ToolCallEvent { CallId = $"c{step}", ToolName = tool, Arguments = $"{{\"id\":{i + step}}}" });
            events.Add(new ToolResultEvent { CallId = $"c{step}", ToolName = tool, IsError = error, Result = error ? $"Error: order {i} not found" : "{\"ok\":true}" });
        }

        events.Add(new ToolCallEvent { CallId = "r", ToolName = "refund", Arguments = $"{{\"amount\":{100 + (i % 50)}}}" });
        events.Add(fails
            ? new ToolResultEvent { CallId = "r", ToolName = "refund", IsError = true, Result = $"Error: payment amount does not add up, total is {90 + (i % 9)}, requested {100 + (i % 50)}" }
            : new ToolResultEvent { CallId = "r", ToolName = "refund", Result = "refunded" });
        var started = start.AddSeconds(i);
        return new SessionWithEvents(
            new SessionRecord
            {
                Id = id,
                AgentId = "bench",
                Task = "Refund an order",
                Status = fails ? SessionStatus.Failed : SessionStatus.Completed,
                StartedAt = started,
                EndedAt = started.AddSeconds(30),
                Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
            },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = started }).ToList());
    }
}
