using BenchmarkDotNet.Attributes;
using Dreaming;

namespace Dreaming.Benchmarks;

/// <summary>Ranking and rendering the memory a session is given, from a version of 10,000 insights, against merely
/// filtering the active ones (the baseline).</summary>
[MemoryDiagnoser]
public class InjectionBenchmarks
{
    private MemoryVersion _version = null!;

    [GlobalSetup]
    public void Setup()
    {
        var scope = MemoryScope.Agent("bench");
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        string[] tools = ["refund", "lookup_order", "search_flights", "book_reservation", "cancel_reservation"];
        _version = new MemoryVersion
        {
            Id = "mv-bench",
            Scope = scope,
            Number = 1,
            Author = MemoryAuthor.Person("bench"),
            State = MemoryVersionState.Active,
            Insights = Enumerable.Range(0, 10_000).Select(i => new Insight
            {
                Id = $"ins-{i:D5}",
                Text = $"Calls to `{tools[i % tools.Length]}` fail with \"Error: case {i} of the order rules\"; check the arguments before calling it.",
                Scope = scope,
                Triggers = new InsightTriggers { Tools = [tools[i % tools.Length]] },
                Status = i % 10 == 0 ? InsightStatus.Retired : InsightStatus.Active,
                Helpful = i % 13,
                Harmful = i % 5,
                Source = InsightSource.Mined,
                CreatedAt = time,
                UpdatedAt = time,
            }).ToList(),
        };
    }

    [Benchmark(Baseline = true, Description = "filter the active insights")]
    public int Filter() => _version.Insights.Count(i => i.Status == InsightStatus.Active);

    [Benchmark(Description = "rank and render (800-token budget)")]
    public InjectedMemory? Render() => InsightRanker.Render(_version, "Refund order #W1003 and check the order rules", ["refund", "lookup_order"], 800);
}
