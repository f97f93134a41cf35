using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class OrchestratedItemMemoryTests
{
    [Fact]
    public async Task An_items_chat_agent_behind_UseDreaming_is_given_its_agents_memory_after_its_instructions()
    {
        var prompts = new List<List<ChatMessage>>();
        var echo = FakeChatClient.Echo();
        var reply = echo.GetResponseAsyncCallback!;
        echo.GetResponseAsyncCallback = (messages, options, token) =>
        {
            lock (prompts)
            {
                prompts.Add(messages.ToList());
            }

            return reply(messages, options, token);
        };
        await using var host = OrchestrationHarness.Create(services: s => s.AddChatClient(echo).UseDreaming());
        var memory = host.Services.GetRequiredService<IMemoryStore>();
        var scope = MemoryScope.Agent("worker");
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var version = await memory.ProposeAsync(new MemoryProposal
        {
            Scope = scope,
            Author = MemoryAuthor.Person("ada"),
            Insights = [new Insight { Id = "ins-cite", Text = "Cite the source of each fact.", Scope = scope, Status = InsightStatus.Active, Source = InsightSource.Human, CreatedAt = time, UpdatedAt = time }],
        });
        await memory.ApproveAsync(version.Id, MemoryAuthor.Person("ada"));
        var agent = new RosterAgent { Name = "worker", Instructions = "You research.", ChatClient = host.Services.GetRequiredService<IChatClient>() };

        var run = await host.RunAsync(OrchestrationHarness.Plan(1, OrchestrationHarness.Item("a")), agent);

        Assert.Equal(OrchestrationStatus.Completed, run.Status);
        var sent = Assert.Single(prompts);
        Assert.Equal([ChatRole.System, ChatRole.System, ChatRole.User], sent.Select(m => m.Role));
        Assert.Equal("You research.", sent[0].Text);
        Assert.StartsWith(InsightRanker.Header, sent[1].Text, StringComparison.Ordinal);
        Assert.Contains("[ins-cite] Cite the source of each fact.", sent[1].Text, StringComparison.Ordinal);
        var item = Assert.Single(run.Items);
        var events = await host.Store.GetEventsAsync(item.SessionId!);
        var given = Assert.Single(events.OfType<InsightsInjectedEvent>());
        Assert.Equal(["ins-cite"], given.InsightIds);
    }
}
