namespace Dreaming.Tests;

/// <summary>Item ids and agent names are compared ordinally: names that differ only in case are distinct, and a name
/// that matches a known one only in case is refused saying so.</summary>
public class PlanNameCaseTests
{
    [Fact]
    public async Task Ids_and_agent_names_that_differ_only_in_case_are_distinct()
    {
        await using var host = OrchestrationHarness.Create();
        RosterAgent Named(string name) => OrchestrationHarness.Agent(name, (context, _) =>
            Task.FromResult(new WorkItemReply($"{name}:{context.Item.Id}<{string.Join(",", context.Dependencies.Select(d => d.Id))}")));
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("a") with { Agent = "writer" },
            OrchestrationHarness.Item("A") with { Agent = "Writer" },
            OrchestrationHarness.Item("b", "A") with { Agent = "writer" });

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [Named("writer"), Named("Writer")] });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(["writer:a<", "Writer:A<", "writer:b<A"], run.Items.Select(i => i.Output));
    }

    [Fact]
    public async Task A_name_that_matches_a_known_one_only_in_case_is_refused_saying_so()
    {
        await using var host = OrchestrationHarness.Create();
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("research"),
            OrchestrationHarness.Item("write", "Research") with { Agent = "Worker" });

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => host.RunAsync(plan, OrchestrationHarness.Echo()));

        Assert.Equal(
            [
                "Item 'write' names the agent 'Worker', which is not in the roster (the roster has worker). Agent names are case-sensitive: 'worker' differs from it only in case.",
                "Item 'write' depends on 'Research', which is not in the plan. Item ids are case-sensitive: 'research' differs from it only in case.",
            ],
            ex.Problems.Select(p => p.Message));
    }
}
