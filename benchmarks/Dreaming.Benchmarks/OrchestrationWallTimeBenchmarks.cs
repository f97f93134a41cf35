using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Dreaming;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Benchmarks;

/// <summary>Wall time of 100 independent items that each wait 100 ms, at most 25 at once: the ideal is 4 waves of
/// 100 ms = 400 ms. The baseline is a <c>SemaphoreSlim(25)</c> around the same waits; the orchestrator records every
/// item as a child session in the in-memory store.</summary>
[MedianColumn]
[SimpleJob(RunStrategy.Monitoring, warmupCount: 1, iterationCount: 5)]
public class OrchestrationWallTimeBenchmarks
{
    private const int Items = 100;
    private const int Concurrency = 25;
    private static readonly TimeSpan s_work = TimeSpan.FromMilliseconds(100);
    private static readonly RosterAgent s_agent = new()
    {
        Name = "waiter",
        Run = static async (_, ct) =>
        {
            await Task.Delay(s_work, ct);
            return new WorkItemReply(string.Empty);
        },
    };

    private OrchestrationPlan _plan = null!;
    private ServiceProvider _services = null!;
    private IOrchestrator _orchestrator = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plan = new OrchestrationPlan
        {
            Goal = "benchmark",
            MaxConcurrency = Concurrency,
            Items = Enumerable.Range(0, Items).Select(i => new WorkItem { Id = "w" + i, Agent = "waiter", Instructions = "wait" }).ToArray(),
        };
        var services = new ServiceCollection();
        services.AddDreamingAgents().UseInMemoryStore().AddOrchestrator();
        _services = services.BuildServiceProvider();
        _orchestrator = _services.GetRequiredService<IOrchestrator>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "SemaphoreSlim(25) + Task.WhenAll")]
    public async Task HandWritten()
    {
        using var gate = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(Enumerable.Range(0, Items).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                await s_agent.Run!(null!, CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    [Benchmark(Description = "orchestrator, MaxConcurrency 25")]
    public Task<OrchestrationRun> Orchestrated() => _orchestrator.RunAsync(new OrchestrationRequest { Plan = _plan, Agents = [s_agent] });
}
