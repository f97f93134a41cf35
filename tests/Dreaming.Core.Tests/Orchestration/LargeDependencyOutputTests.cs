using Microsoft.Extensions.AI;

namespace Dreaming.Tests;

/// <summary>An item whose output is megabytes long, handed to the items that depend on it.</summary>
public class LargeDependencyOutputTests
{
    [Fact]
    public async Task A_megabytes_long_output_reaches_its_dependents_whole_and_is_stored_cut_at_the_content_limit()
    {
        const int Length = 4 * 1024 * 1024;
        var big = new string('x', Length - 3) + "end";
        var sent = new List<int>();
        var model = new FakeChatClient
        {
            GetResponseAsyncCallback = (messages, _, _) =>
            {
                var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
                lock (sent)
                {
                    sent.Add(prompt.Length);
                }

                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, prompt.EndsWith("end" + Environment.NewLine, StringComparison.Ordinal) ? "read to the end" : "cut"))
                {
                    Usage = new UsageDetails { InputTokenCount = prompt.Length / 4, OutputTokenCount = 3 },
                });
            },
        };
        var delegateSaw = 0;
        RosterAgent[] agents =
        [
            OrchestrationHarness.Agent("producer", (_, _) => Task.FromResult(new WorkItemReply(big))),
            OrchestrationHarness.Agent("checker", (context, _) =>
            {
                delegateSaw = context.Dependencies.Single().Output.Length;
                return Task.FromResult(new WorkItemReply("checked"));
            }),
            new RosterAgent { Name = "reader", ChatClient = model },
        ];
        var plan = new OrchestrationPlan
        {
            Goal = "g",
            Items =
            [
                new WorkItem { Id = "big", Agent = "producer", Instructions = "write a lot" },
                new WorkItem { Id = "read-1", Agent = "reader", Instructions = "read it", DependsOn = ["big"] },
                new WorkItem { Id = "read-2", Agent = "reader", Instructions = "read it again", DependsOn = ["big"] },
                new WorkItem { Id = "check", Agent = "checker", Instructions = "check it", DependsOn = ["big"] },
            ],
        };
        await using var host = OrchestrationHarness.Create();

        var run = await host.Orchestrator.RunAsync(new OrchestrationRequest { Plan = plan, Agents = agents });

        // Not cut on the way: each dependent gets all of it (a chat agent in its prompt, a delegate in Dependencies).
        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        Assert.Equal(Length, run.Items[0].Output!.Length);
        Assert.Equal(["read to the end", "read to the end"], run.Items.Where(i => i.Agent == "reader").Select(i => i.Output));
        Assert.All(sent, length => Assert.True(length > Length, $"a prompt of {length} characters"));
        Assert.Equal(Length, delegateSaw);

        // What the store keeps of a reader's prompt is cut at DreamingOptions.MaxContentLength (32,768 by default).
        var stored = (await host.Store.GetEventsAsync(run.Items[1].SessionId!)).OfType<MessageEvent>().Single(e => e.Role == "user");
        Assert.InRange(stored.Text.Length, 32_000, 33_000);
        await host.AssertNoSessionRunningAsync();
    }
}
