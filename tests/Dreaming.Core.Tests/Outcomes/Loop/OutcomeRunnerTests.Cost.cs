using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

public partial class OutcomeRunnerTests
{
    [Fact]
    public async Task The_agents_calls_priced_by_CostOf_give_the_outcome_its_cost()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo(), options: o => o.CostOf = call => call.AgentId == "chat-writer" ? 40 : 1);
        var run = await Runner(host).RunAsync(Request(_ => "unused") with
        {
            AgentId = "chat-writer",
            MaxIterations = 3,

            // Fails the rubric on the first iteration, so the loop's session holds two iterations' calls.
            Agent = async (attempt, ct) => (await host.Chat.GetResponseAsync(attempt.Feedback is null ? "no order" : "write about #W123", cancellationToken: ct)).Text,
        });

        Assert.Equal(OutcomeResult.Satisfied, run.Result);
        Assert.Equal(2, run.Iterations);
        var session = await host.Store.GetSessionAsync(run.SessionId);
        Assert.Equal(2, session!.Usage.ModelCalls);
        Assert.Equal(80, session.Usage.CostMinorUnits);
        var calls = (await host.Store.GetEventsAsync(run.SessionId)).OfType<ModelResponseEvent>();
        Assert.Equal([40, 40], calls.Select(c => c.Usage.CostMinorUnits));
    }
}
