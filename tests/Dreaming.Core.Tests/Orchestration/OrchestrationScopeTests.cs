namespace Dreaming.Tests;

/// <summary>A run of a team (<see cref="OrchestrationRequest.Scope"/>) records all its sessions in that team, so the
/// team's dream learns from them and they are given the team's memory.</summary>
public class OrchestrationScopeTests
{
    private const string RubricMarkdown = """
        # Order summary
        Pass threshold: 1.0

        ## Content
        - Names the order (required) [contains: "#W123"]
        """;

    [Fact]
    public async Task A_run_of_a_team_records_its_own_its_items_and_their_outcome_loops_sessions_in_that_team()
    {
        await using var host = OrchestrationHarness.Create();
        var agent = OrchestrationHarness.Agent("worker", (context, _) => Task.FromResult(new WorkItemReply("order #W123 " + context.Item.Id)));
        var plan = OrchestrationHarness.Plan(
            2,
            OrchestrationHarness.Item("fetch"),
            OrchestrationHarness.Item("summary", "fetch") with { Rubric = MarkdownRubricParser.Parse(RubricMarkdown) });

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = [agent], Scope = "billing" });

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var sessions = await host.SessionsAsync();
        Assert.Equal(3, sessions.Count);
        Assert.All(sessions, s => Assert.Equal("billing", s.Scope));
        var teams = await host.Store.QuerySessionsAsync(new SessionQuery { Scope = "billing" });
        Assert.Equal(
            new[] { run.SessionId, run.Items[0].SessionId, run.Items[1].SessionId }.Order(StringComparer.Ordinal),
            teams.Items.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_run_refuses_a_scope_with_half_a_surrogate_pair_before_recording_anything()
    {
        await using var host = OrchestrationHarness.Create();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.Orchestrator.RunAsync(new OrchestrationRequest
        {
            Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("fetch")),
            Agents = [OrchestrationHarness.Echo()],
            Scope = "billing\uDC00",
        }));

        Assert.Equal("request", ex.ParamName);
        Assert.Contains("OrchestrationRequest.Scope", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await host.SessionsAsync());
    }
}
