using System.Globalization;
using Dreaming.Cli.Output;

namespace Dreaming.Cli.Demo;

/// <summary>The demo's orchestrated task: three simulated agents check a case in parallel, then a fourth writes the reply.
/// Each simulated agent works 400 ms, long enough that the three checks overlap visibly (and in the tests) even on a
/// busy machine, where 150 ms was once not (the third started after the first had ended, with the tests of four
/// projects and four builds on 2 cores).</summary>
internal static class DemoOrchestration
{
    public static OrchestrationRequest Request()
    {
        var model = new SimulatedTeamChatClient(TimeSpan.FromMilliseconds(400));
        return new OrchestrationRequest
        {
            AgentId = "support-coordinator",
            Agents =
            [
                new RosterAgent { Name = "order-agent", Instructions = "You look up orders.", ChatClient = model },
                new RosterAgent { Name = "payments-agent", Instructions = "You check payments and refunds.", ChatClient = model },
                new RosterAgent { Name = "policy-agent", Instructions = "You know the refund policy.", ChatClient = model },
                new RosterAgent { Name = "writer", Instructions = "You write short replies to customers.", ChatClient = model },
            ],
            Plan = new OrchestrationPlan
            {
                Goal = "Answer a customer asking why the refund for order #W1003 has not arrived",
                MaxConcurrency = 3,
                Items =
                [
                    new WorkItem { Id = "order", Agent = "order-agent", Instructions = "Look up order #W1003 and its delivery" },
                    new WorkItem { Id = "payment", Agent = "payments-agent", Instructions = "Check the refund payment of order #W1003" },
                    new WorkItem { Id = "policy", Agent = "policy-agent", Instructions = "Find the refund time the policy promises" },
                    new WorkItem { Id = "reply", Agent = "writer", Instructions = "Write the reply to the customer", DependsOn = ["order", "payment", "policy"] },
                ],
            },
        };
    }

    public static object Summary(OrchestrationRun run) => OrchestrationOutput.Json(run, SimulatedTeamChatClient.ModelId, simulated: true);

    public static void Write(TextWriter output, OrchestrationRun run)
    {
        output.WriteLine("orchestration: a simulated coordinator runs 3 independent checks in parallel (at most 3 at once), then the reply that needs them:");
        OrchestrationOutput.WriteTimeline(output, run);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  result: {OrchestrationNames.Of(run.Status)} in {(run.EndedAt - run.StartedAt).TotalSeconds:0.00}s (session {run.SessionId}, {run.Items.Count} child sessions)"));
        output.WriteLine();
    }
}
