using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>An unknown-agent problem names the roster in part when it is large, so the message (the coordinator's
/// correction message, the reason of orchestration.failed) stays small.</summary>
public class PlanRosterListingTests
{
    private static readonly string[] s_large = [.. Enumerable.Range(0, 200).Select(i => "agent-number-" + i)];

    [Fact]
    public void A_large_roster_is_listed_in_part_in_each_unknown_agent_problem()
    {
        // Each problem named all 200 agents (about 3,500 characters): 20 of them made a message of about 71 KB.
        var roster = s_large.ToHashSet(StringComparer.Ordinal);
        var plan = new OrchestrationPlan
        {
            Goal = "goal",
            Items = [.. Enumerable.Range(0, PlanValidationException.MaxProblems).Select(i => new WorkItem { Id = "i" + i, Agent = "ghost", Instructions = "x" })],
        };

        var ex = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, roster, 10_000));

        Assert.Equal(PlanValidationException.MaxProblems, ex.Problems.Count);
        Assert.Equal(0, ex.OmittedProblemCount);
        Assert.True(ex.Message.Length < 8 * 1024, $"the message has {ex.Message.Length:N0} characters");
        Assert.Equal(
            "Item 'i0' names the agent 'ghost', which is not in the roster (the roster has agent-number-0, agent-number-1, agent-number-10, "
            + "agent-number-100, agent-number-101, agent-number-102, agent-number-103, agent-number-104, agent-number-105, agent-number-106, "
            + "agent-number-107, and 189 more).",
            ex.Message.Split('\n')[0]);
        Assert.All(ex.Problems, p => Assert.EndsWith("agent-number-107, and 189 more).", p.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_roster_of_many_short_names_lists_twenty_and_counts_the_rest()
    {
        var roster = Enumerable.Range(0, 25).Select(i => ((char)('a' + i)).ToString()).ToHashSet(StringComparer.Ordinal);
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a") with { Agent = "ghost" });

        var ex = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, roster, 10));

        Assert.Equal("Item 'a' names the agent 'ghost', which is not in the roster (the roster has a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, and 5 more).", ex.Message);
    }

    [Fact]
    public void A_roster_whose_first_name_is_too_long_to_list_is_counted()
    {
        var roster = new HashSet<string>(StringComparer.Ordinal) { new('x', 300), new('y', 300) };
        var plan = OrchestrationHarness.Plan(2, OrchestrationHarness.Item("a") with { Agent = "ghost" });

        var ex = Assert.Throws<PlanValidationException>(() => PlanGraph.Build(plan, roster, 10));

        Assert.Equal("Item 'a' names the agent 'ghost', which is not in the roster (the roster has 2 agents, with names too long to list here).", ex.Message);
    }

    [Fact]
    public async Task The_coordinators_correction_message_and_the_failed_runs_reason_stay_small_with_a_large_roster()
    {
        var reply = "{\"items\":[" + string.Join(',', Enumerable.Range(0, 25).Select(i => $"{{\"id\":\"i{i}\",\"agent\":\"ghost\",\"instructions\":\"x\",\"dependsOn\":[]}}")) + "]}";
        var calls = new List<List<ChatMessage>>();
        var coordinator = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                calls.Add(messages.ToList());
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply)));
            },
        };
        await using var host = OrchestrationHarness.Create(coordinator: coordinator);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() =>
            host.Orchestrator.RunAsync(new OrchestrationRequest { Goal = "Report on X", Agents = [.. s_large.Select(n => OrchestrationHarness.Echo(n))] }));

        Assert.Equal(2, calls.Count);
        var correction = calls[1][^1].Text;
        Assert.StartsWith("That is not a valid plan: Item 'i0' names the agent 'ghost'", correction, StringComparison.Ordinal);
        Assert.True(correction.Length < 8 * 1024, $"the correction message has {correction.Length:N0} characters");
        Assert.True(ex.Message.Length < 8 * 1024, $"the message has {ex.Message.Length:N0} characters");
        Assert.EndsWith("… and 5 more problems.", ex.Message, StringComparison.Ordinal);
        var session = Assert.Single(await host.SessionsAsync());
        var failed = Assert.Single((await host.Store.GetEventsAsync(session.Id)).OfType<OrchestrationFailedEvent>());
        Assert.True(failed.Reason!.Length < 8 * 1024, $"the reason has {failed.Reason.Length:N0} characters");
    }
}
