using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>Token and cost sums stop at <see cref="long.MaxValue"/> instead of wrapping negative, so a cost function that
/// returns a huge value ("unknown") keeps a total at its largest and a budget it passed stays reached.</summary>
public sealed class UsageSaturationTests
{
    [Fact]
    public void SessionUsage_Add_saturates_every_sum_at_long_MaxValue()
    {
        var huge = new SessionUsage { InputTokens = long.MaxValue, OutputTokens = long.MaxValue - 1, CachedInputTokens = long.MaxValue, ModelCalls = long.MaxValue, CostMinorUnits = long.MaxValue };
        var one = new SessionUsage { InputTokens = 1, OutputTokens = 2, CachedInputTokens = 1, ModelCalls = 1, CostMinorUnits = 1 };

        var sum = one.Add(huge);

        Assert.Equal(new SessionUsage { InputTokens = long.MaxValue, OutputTokens = long.MaxValue, CachedInputTokens = long.MaxValue, ModelCalls = long.MaxValue, CostMinorUnits = long.MaxValue }, sum);
        Assert.Equal(long.MaxValue, sum.TotalTokens);
        Assert.Equal(new SessionUsage { InputTokens = 3, OutputTokens = 5, ModelCalls = 2, CostMinorUnits = 9 }, new SessionUsage { InputTokens = 1, OutputTokens = 2, ModelCalls = 1, CostMinorUnits = 4 }.Add(new SessionUsage { InputTokens = 2, OutputTokens = 3, ModelCalls = 1, CostMinorUnits = 5 }));
    }

    [Fact]
    public async Task A_sessions_running_cost_saturates_when_CostOf_returns_long_MaxValue_after_a_priced_call()
    {
        var calls = 0;
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.CostOf = _ => Interlocked.Increment(ref calls) == 1 ? 5 : long.MaxValue);
        await using var session = host.Sessions.StartSession("billing", "two calls");

        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "first")]);
        await host.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "second")]);

        Assert.Equal(long.MaxValue, session.Usage.CostMinorUnits);
        await session.RecordAsync(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = long.MaxValue, CostMinorUnits = 1 } });
        Assert.Equal(long.MaxValue, session.Usage.CostMinorUnits);
        Assert.Equal(long.MaxValue, session.Usage.InputTokens);
        Assert.Equal(long.MaxValue, session.Usage.TotalTokens);
        await session.CompleteAsync();

        var stored = (await host.Store.GetSessionAsync(session.Id))!.Usage;
        Assert.Equal(long.MaxValue, stored.CostMinorUnits);
        Assert.Equal(3, stored.ModelCalls);
    }

    [Fact]
    public async Task A_runs_cost_budget_is_reached_when_OrchestratorOptions_CostOf_returns_long_MaxValue_after_a_priced_call()
    {
        var priced = 0;
        await using var host = OrchestrationHarness.Create(o =>
        {
            o.MaxTotalCostMinorUnits = 1_000;
            o.CostOf = (_, _) => Interlocked.Increment(ref priced) == 1 ? 1 : long.MaxValue;
        });
        var worker = new RosterAgent { Name = "worker", ChatClient = FakeChatClient.Echo() };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, Enumerable.Range(0, 4).Select(i => OrchestrationHarness.Item("i" + i)).ToArray()), worker).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(OrchestrationStatus.BudgetReached, run.Status);
        Assert.Equal(2, run.Items.Count(i => i.Status == WorkItemStatus.Completed));
        Assert.Equal(long.MaxValue, run.Usage.CostMinorUnits);
        Assert.Contains($"the run cost {long.MaxValue:N0} minor units, reaching its cost budget of 1,000", run.Error, StringComparison.Ordinal);
    }
}
