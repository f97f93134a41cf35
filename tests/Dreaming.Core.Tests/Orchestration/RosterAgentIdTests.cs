namespace Dreaming.Tests;

/// <summary>A roster agent's name and the run's agent id are the agent ids of the sessions a run starts: one holding half
/// a surrogate pair is refused as the request is checked, before anything is recorded or run, naming the setting.</summary>
public class RosterAgentIdTests
{
    // Built in code: an attribute's string argument is stored as UTF-8, which would replace the half characters.
    [Fact]
    public async Task A_roster_agent_named_with_an_unpaired_surrogate_is_refused_before_the_run_starts()
    {
        await using var host = OrchestrationHarness.Create();
        var ran = 0;
        var agent = OrchestrationHarness.Agent("worker\uD800", (context, _) =>
        {
            Interlocked.Increment(ref ran);
            return Task.FromResult(new WorkItemReply("done"));
        });
        var plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a") with { Agent = "worker\uD800" });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => host.RunAsync(plan, agent));

        Assert.Equal("agents", error.ParamName);
        Assert.StartsWith("Roster agent #1's name has an unpaired surrogate (half a character, U+D800) at index 6", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref ran));
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }

    [Fact]
    public async Task A_run_agent_id_with_an_unpaired_surrogate_is_refused_naming_the_request_setting()
    {
        await using var host = OrchestrationHarness.Create();
        var request = new OrchestrationRequest { Plan = OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), Agents = [OrchestrationHarness.Echo()], AgentId = "orchestrator\uDC00" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => host.Orchestrator.RunAsync(request));

        Assert.Equal("request", error.ParamName);
        Assert.StartsWith("OrchestrationRequest.AgentId has an unpaired surrogate (half a character, U+DC00) at index 12", error.Message, StringComparison.Ordinal);
        Assert.Empty((await host.Store.QuerySessionsAsync(new SessionQuery())).Items);
    }
}
