using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary>What a step of <see cref="AgentSessionStreamingExtensions.StreamInSessionAsync{T}"/> allocates, measured
/// process-wide, so alone: no other test runs meanwhile.</summary>
[Collection(nameof(StreamInSessionAllocationTests))]
public sealed class StreamInSessionAllocationTests
{
    [Fact]
    public async Task A_step_allocates_nothing_of_its_own()
    {
        await using var provider = new ServiceCollection().AddDreamingAgents().Services.BuildServiceProvider();
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();

        static async IAsyncEnumerable<int> Numbers(int count)
        {
            for (var i = 0; i < count; i++)
            {
                yield return i;
            }

            await Task.CompletedTask;
        }

        static async Task<long> AllocatedAsync(IAsyncEnumerable<int> stream)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            await foreach (var _ in stream)
            {
            }

            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        await AllocatedAsync(sessions.StreamInSessionAsync(StreamInSessionTests.Options, (_, _) => Numbers(10)));

        // The count is process-wide, so another thread (the trace writer's loop, a finished test's timer) may allocate
        // during a measurement: that only ever adds, so the least of three differences is the step's own cost. A step
        // that allocated even 24 bytes would show 2.4 MB in every one of them.
        var least = long.MaxValue;
        var few = 0L;
        for (var attempt = 0; attempt < 3 && least >= 10_000; attempt++)
        {
            few = await AllocatedAsync(sessions.StreamInSessionAsync(StreamInSessionTests.Options, (_, _) => Numbers(1_000)));
            var many = await AllocatedAsync(sessions.StreamInSessionAsync(StreamInSessionTests.Options, (_, _) => Numbers(101_000)));
            least = Math.Min(least, many - few);
        }

        // A session's start and end are paid once; 100,000 more steps add nothing (a few bytes of noise at most).
        Assert.True(least < 10_000, $"{least} bytes more for 100,000 more items at the least of three tries (a stream of 1,000: {few} bytes)");
    }
}

/// <summary>Runs its tests with no other test at the same time.</summary>
[CollectionDefinition(nameof(StreamInSessionAllocationTests), DisableParallelization = true)]
public sealed class StreamInSessionAllocationRunsAlone
{
}
