using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A SIMULATION of the mechanism, not a claim about real models: a deterministic fake agent that refunds the
/// requested amount unless a lesson about the refund error is in its instructions, in which case it refunds the order
/// total. Sessions fail → a dream writes the lesson → later sessions receive it and pass → the next dream credits it.</summary>
public class ClosedLoopTests
{
    private const decimal OrderTotal = 99m;

    [Fact]
    public async Task Pass_rate_rises_after_a_dream_and_the_lesson_is_credited_by_the_next_one()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => o.AgentId = "refund-bot").UseInMemoryStore();
        services.AddChatClient(new RefundAgent()).UseDreaming().UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();
        var dreams = provider.GetRequiredService<IDreamConsolidator>();
        var memory = provider.GetRequiredService<IMemoryStore>();

        var before = await RunSessionsAsync(provider, offset: 0);
        var firstDream = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("refund-bot") });
        var lesson = (await memory.GetActiveVersionAsync(MemoryScope.Agent("refund-bot")))!.Insights.Single(i => i.Triggers.Tools.Contains("refund") && i.Kind == InsightKind.Pitfall && i.Text.StartsWith("Calls to", StringComparison.Ordinal));
        var after = await RunSessionsAsync(provider, offset: 100);
        var secondDream = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("refund-bot") });

        Assert.Equal(4.0 / 12, before.PassRate, 3);
        Assert.Equal(1.0, after.PassRate, 3);
        Assert.Equal(DreamRunStatus.Completed, firstDream.Status);
        Assert.All(lesson.Evidence, e => Assert.Contains(e.SessionId, before.Failed));
        Assert.Equal(8, lesson.Evidence.Count);

        var injected = (await provider.GetRequiredService<ITraceStore>().GetEventsAsync(after.SessionIds[0])).OfType<InsightsInjectedEvent>().Single();
        Assert.Contains(lesson.Id, injected.InsightIds);

        Assert.Equal(DreamRunStatus.Completed, secondDream.Status);
        var credited = (await memory.GetActiveVersionAsync(MemoryScope.Agent("refund-bot")))!.Insights.Single(i => i.Id == lesson.Id);
        Assert.Equal(12, credited.Helpful);
        Assert.Equal(0, credited.Harmful);
        Assert.Equal(12, credited.Seen);
    }

    [Fact]
    public async Task Injection_can_be_turned_off()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents(o => { o.AgentId = "refund-bot"; o.InjectMemory = false; }).UseInMemoryStore();
        services.AddChatClient(new RefundAgent()).UseDreaming().UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();

        await RunSessionsAsync(provider, offset: 0);
        await provider.GetRequiredService<IDreamConsolidator>().DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("refund-bot") });
        var after = await RunSessionsAsync(provider, offset: 100);

        Assert.Equal(4.0 / 12, after.PassRate, 3);
    }

    private static async Task<(double PassRate, List<string> Failed, List<string> SessionIds)> RunSessionsAsync(IServiceProvider provider, int offset)
    {
        var sessions = provider.GetRequiredService<IAgentSessionFactory>();
        var chat = provider.GetRequiredService<IChatClient>();
        var refund = AIFunctionFactory.Create(
            (decimal amount) => amount > OrderTotal
                ? throw new InvalidOperationException($"payment amount does not add up, total is {OrderTotal}, requested {amount}")
                : $"refunded {amount}",
            "refund");
        var failed = new List<string>();
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var requested = i < 8 ? 150m : 50m;
            await using var session = sessions.StartSession("refund-bot", $"Refund {requested} for order {offset + i}");
            ids.Add(session.Id);
            var answer = await chat.GetResponseAsync($"Refund {requested}", new ChatOptions { Tools = [refund] });
            var passed = answer.Text.StartsWith("Refunded", StringComparison.Ordinal);
            await session.CompleteAsync(passed ? SessionStatus.Completed : SessionStatus.Failed, passed ? SessionOutcome.Succeeded() : SessionOutcome.Failed());
            if (!passed)
            {
                failed.Add(session.Id);
            }
        }

        return ((12.0 - failed.Count) / 12, failed, ids);
    }

    /// <summary>Refunds what the user asks, unless a lesson about the refund error tells it to refund the order total.</summary>
    private sealed class RefundAgent : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            var result = list.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).LastOrDefault();
            if (result is not null)
            {
                return Reply(result.Exception is null ? "Refunded." : "I could not refund.");
            }

            var knowsLesson = list.Any(m => m.Role == ChatRole.System && m.Text.Contains("payment amount does not add up", StringComparison.Ordinal));
            var requested = decimal.Parse(list.Last(m => m.Role == ChatRole.User).Text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var amount = knowsLesson ? Math.Min(requested, OrderTotal) : requested;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["amount"] = amount })])));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        private static Task<ChatResponse> Reply(string text) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));
    }
}
