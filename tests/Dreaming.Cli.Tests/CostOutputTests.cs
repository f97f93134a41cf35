using System.Text.Json;
using Dreaming.Cli.Output;
using Dreaming.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Tests;

/// <summary>A cost recorded by <c>DreamingOptions.CostOf</c> reaches what the tool shows: <c>sessions --json</c>,
/// <c>session show</c> and an orchestration's JSON.</summary>
public class CostOutputTests
{
    [Fact]
    public async Task A_priced_sessions_cost_is_listed_and_shown()
    {
        using var cli = new CliRunner();
        string sessionId;
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.CostOf = call => call.InputTokens * 3 + call.OutputTokens * 7).UseSqliteStore(cli.Database);
        services.AddChatClient(new PricedModel()).UseDreaming();
        await using (var provider = services.BuildServiceProvider())
        {
            await using var session = provider.GetRequiredService<IAgentSessionFactory>().StartSession("billing", "price me");
            sessionId = session.Id;
            await provider.GetRequiredService<IChatClient>().GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
            await session.CompleteAsync();
        }

        var (listExit, list, listError) = await cli.RunAsync("sessions", "--db", cli.Database, "--json");
        Assert.True(listExit == 0, listError);
        using (var document = JsonDocument.Parse(list))
        {
            var record = Assert.Single(document.RootElement.EnumerateArray());
            Assert.Equal(65, record.GetProperty("usage").GetProperty("costMinorUnits").GetInt64());
        }

        var (showExit, show, showError) = await cli.RunAsync("session", "show", sessionId, "--db", cli.Database);
        Assert.True(showExit == 0, showError);

        // 10 in at 3 and 5 out at 7: 65, on the session and on its one model call.
        Assert.Contains("usage     10 in / 5 out tokens, 1 model call, cost 65 minor units", show, StringComparison.Ordinal);
        Assert.Contains("10+5 tokens, cost 65 minor units, finish stop", show, StringComparison.Ordinal);
    }

    [Fact]
    public void An_orchestrations_json_carries_the_run_and_item_costs()
    {
        var run = new OrchestrationRun
        {
            SessionId = "ses_run",
            Status = OrchestrationStatus.Completed,
            Plan = new OrchestrationPlan { Goal = "g", Items = [new WorkItem { Id = "a", Agent = "worker", Instructions = "do a" }] },
            Items = [new WorkItemResult { Id = "a", Agent = "worker", Status = WorkItemStatus.Completed, Usage = new SessionUsage { InputTokens = 10, OutputTokens = 5, CostMinorUnits = 65 } }],
            Usage = new SessionUsage { InputTokens = 30, OutputTokens = 9, CostMinorUnits = 165 },
        };

        using var output = new StringWriter();
        OrchestrationOutput.WriteJson(output, run, "m", simulated: false);

        using var document = JsonDocument.Parse(output.ToString());
        Assert.Equal(165, document.RootElement.GetProperty("usage").GetProperty("costMinorUnits").GetInt64());
        Assert.Equal(65, document.RootElement.GetProperty("items")[0].GetProperty("usage").GetProperty("costMinorUnits").GetInt64());
    }

    private sealed class PricedModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = "m-1",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5 },
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
