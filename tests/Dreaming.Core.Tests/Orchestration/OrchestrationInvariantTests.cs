namespace Dreaming.Tests;

/// <summary>Random plans, agents and stores (seeded): whatever happens, a run returns, hands each item its
/// dependencies' outputs, records one item event per item that started or was skipped, and leaves no session running.</summary>
public class OrchestrationInvariantTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Random_runs_keep_the_orchestrators_promises(int seed)
    {
        for (var round = 0; round < 25; round++)
        {
            var rng = new Random((seed * 1000) + round);
            var shared = new Random((seed * 7919) + round);
            int Next(int max)
            {
                lock (shared)
                {
                    return shared.Next(max);
                }
            }

            var failRate = rng.Next(0, 4);
            var store = new HookedTraceStore();
            var failedOnce = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
            store.BeforeComplete = async (completion, _) =>
            {
                var r = Next(10);
                if (r < 3)
                {
                    await Task.Delay(Next(5), CancellationToken.None);
                }
                else if (r < 5)
                {
                    await Task.Yield();
                }

                // Completing a child session fails now and then, once per session.
                if (completion.Status == SessionStatus.Completed && Next(20) < failRate
                    && (await store.GetSessionAsync(completion.SessionId, CancellationToken.None))?.ParentSessionId is not null
                    && failedOnce.TryAdd(completion.SessionId, true))
                {
                    throw new IOException("disk full");
                }
            };
            var policy = rng.Next(2) == 0 ? OrchestrationFailurePolicy.StopRun : OrchestrationFailurePolicy.SkipDependents;
            var retries = rng.Next(0, 3);
            var timeout = TimeSpan.FromMilliseconds(rng.Next(0, 3) == 0 ? 20 : 5000);
            await using var host = OrchestrationHarness.Create(o => (o.ItemRetries, o.ItemTimeout) = (retries, timeout), store: store);
            var items = new WorkItem[rng.Next(5, 60)];
            for (var i = 0; i < items.Length; i++)
            {
                var dependsOn = new List<string>();
                for (var k = 0; k < 3 && i > 0; k++)
                {
                    if (rng.Next(2) == 0)
                    {
                        dependsOn.Add("i" + rng.Next(0, i));
                    }
                }

                items[i] = OrchestrationHarness.Item("i" + i, [.. dependsOn]);
            }

            var dependencies = items.ToDictionary(x => x.Id, x => x.DependsOn!.ToHashSet(StringComparer.Ordinal));
            var wrongDependencies = 0;
            var agent = OrchestrationHarness.Agent("worker", (context, ct) =>
            {
                var expected = dependencies[context.Item.Id];
                if (context.Dependencies.Count != expected.Count || context.Dependencies.Any(d => !expected.Contains(d.Id) || d.Output != "out " + d.Id))
                {
                    Interlocked.Increment(ref wrongDependencies);
                }

                var reply = new WorkItemReply("out " + context.Item.Id, new SessionUsage { InputTokens = 10 });
                return Next(12) switch
                {
                    0 => throw new InvalidOperationException("thrown before the first await"),
                    1 => Task.FromException<WorkItemReply>(new InvalidOperationException("faulted")),
                    2 => Task.Run(async () => { await Task.Delay(1 + Next(10), ct); return reply; }, CancellationToken.None),
                    3 => Task.Run(async () => { await Task.Delay(1 + Next(50), CancellationToken.None); return reply; }, CancellationToken.None),
                    _ => Task.FromResult(reply),
                };
            });
            using var cancel = new CancellationTokenSource();
            if (rng.Next(3) == 0)
            {
                cancel.CancelAfter(rng.Next(0, 30));
            }

            long? budget = rng.Next(4) == 0 ? rng.Next(50, 400) : null;
            var run = await host.RunAsync(OrchestrationHarness.Plan(rng.Next(1, 8), items), agent, policy, budget, cancel.Token).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, wrongDependencies);
            var byId = run.Items.ToDictionary(i => i.Id);
            foreach (var item in run.Items)
            {
                if (item.Status is WorkItemStatus.NotStarted or WorkItemStatus.Skipped)
                {
                    Assert.Null(item.StartedAt);
                    Assert.Equal(0, item.Attempts);
                }
                else
                {
                    Assert.NotNull(item.EndedAt);
                    Assert.True(item.StartedAt <= item.EndedAt);
                    Assert.All(dependencies[item.Id], d => Assert.Equal(WorkItemStatus.Completed, byId[d].Status));
                }

                if (item.Status == WorkItemStatus.Completed)
                {
                    Assert.Equal("out " + item.Id, item.Output);
                }
            }

            var events = (await host.Store.GetEventsAsync(run.SessionId)).OfType<OrchestrationItemCompletedEvent>().ToList();
            Assert.Equal(events.Count, events.Select(e => e.ItemId).Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(run.Items.Count(i => i.Status != WorkItemStatus.NotStarted), events.Count);
            await host.AssertNoSessionRunningAsync();
        }
    }
}
