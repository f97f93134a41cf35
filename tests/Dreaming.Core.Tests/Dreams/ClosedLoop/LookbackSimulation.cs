using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

/// <summary>A SIMULATION of a low-volume agent over nightly dreams (a deterministic fake agent, offline dreams, in-memory
/// stores, a fake clock one day a night): each night its refund tool fails the same way twice, fewer than
/// <see cref="MiningOptions.MinSupport"/> (3) times, among eight greetings that pass. A dream mines the sessions since the
/// last one, so without <see cref="DreamRunRequest.Lookback"/> the refund error is never learnt; with it, it is learnt on
/// night 2, once, found again only while new sessions show it, and each session credits it once.</summary>
public sealed class LookbackSimulation
{
    private const int Nights = 10;
    private const int SessionsPerNight = 10;
    private const string Agent = "small-shop";
    private const string Lesson = "does not add up";

    [Fact]
    public async Task Without_lookback_a_pattern_seen_twice_a_night_is_never_learnt()
    {
        var (runs, final) = await SimulateAsync(lookback: null);

        Assert.All(runs, run => Assert.Equal(DreamRunStatus.Completed, run.Status));
        Assert.All(runs, run => Assert.DoesNotContain(run.Results.Report.Findings, f => f.Tool == "refund"));
        Assert.DoesNotContain(final?.Insights ?? [], i => i.Text.Contains(Lesson, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_lookback_it_is_learnt_on_night_two_once_and_credited_once_per_session()
    {
        var (runs, final) = await SimulateAsync(lookback: TimeSpan.FromDays(7));

        Assert.All(runs, run => Assert.Equal(DreamRunStatus.Completed, run.Status));

        // Night 1 has nothing earlier; night 2 mines its two refund failures with night 1's two: support 4.
        Assert.DoesNotContain(runs[0].Results.Report.Findings, f => f.Tool == "refund");
        var found = Assert.Single(runs[1].Results.Report.Findings, f => f.Tool == "refund");
        Assert.Equal(4, found.Sessions);
        var lesson = Assert.Single(final!.Insights, i => i.Text.Contains(Lesson, StringComparison.Ordinal));
        Assert.Equal(InsightStatus.Active, lesson.Status);
        Assert.Contains(runs[1].Results.Report.Changes, c => c.Op == DreamChangeOp.Add && c.InsightId == lesson.Id);

        // From night 3 the refunds pass: the error is only in sessions earlier dreams read, so it is not found again
        // (nothing new says it, and finding it would refresh the lesson as if it were still seen).
        Assert.All(runs.Skip(2), run => Assert.DoesNotContain(run.Results.Report.Findings, f => f.Tool == "refund"));
        Assert.Single(runs.SelectMany(r => r.Results.Report.Changes), c => c.Op == DreamChangeOp.Add && c.InsightId == lesson.Id);

        // Each session is named by one dream only (the lookback reads earlier ones without naming them), and credits the
        // lesson once: the two refund sessions of nights 3 to 10, each given it, each passing.
        var read = runs.SelectMany(r => r.Results.SessionIds).ToList();
        Assert.Equal(read.Count, read.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Nights * SessionsPerNight, read.Count);
        Assert.Equal((2 * (Nights - 2), 2 * (Nights - 2), 0), (lesson.Seen, lesson.Helpful, lesson.Harmful));
    }

    private static async Task<(List<DreamRun> Runs, MemoryVersion? Final)> SimulateAsync(TimeSpan? lookback)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents(o => o.AgentId = Agent).UseInMemoryStore();
        services.AddChatClient(new SmallShop()).UseDreaming().UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();
        var dreams = provider.GetRequiredService<IDreamConsolidator>();
        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        var chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((decimal amount) => amount > 99m ? throw new InvalidOperationException($"payment amount does not add up, total is 99, requested {amount}") : "refunded", "refund"), AIFunctionFactory.Create(() => "hello", "greet")] };
        var runs = new List<DreamRun>();
        for (var night = 1; night <= Nights; night++)
        {
            for (var i = 0; i < SessionsPerNight; i++)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                var task = i < 2 ? "refund 150" : "greet";
                await using var session = factory.StartSession(Agent, $"Night {night}: {task}");
                var passed = (await chat.GetResponseAsync(task, options)).Text.StartsWith("Done", StringComparison.Ordinal);
                await session.CompleteAsync(passed ? SessionStatus.Completed : SessionStatus.Failed, passed ? SessionOutcome.Succeeded() : SessionOutcome.Failed());
            }

            clock.Advance(TimeSpan.FromHours(1));
            runs.Add(await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent(Agent), Lookback = lookback }));
            clock.Advance(TimeSpan.FromHours(23) - (SessionsPerNight * TimeSpan.FromMinutes(1)));
        }

        return (runs, await provider.GetRequiredService<IMemoryStore>().GetActiveVersionAsync(MemoryScope.Agent(Agent)));
    }

    /// <summary>Refunds the amount asked, or what the order total allows once a lesson naming the error is in its instructions.</summary>
    private sealed class SmallShop : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            if (list.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).LastOrDefault() is { } result)
            {
                return Reply(result.Exception is null ? "Done." : "Failed.");
            }

            var knows = string.Concat(list.Where(m => m.Role == ChatRole.System).Select(m => m.Text)).Contains(Lesson, StringComparison.Ordinal);
            var words = list.Last(m => m.Role == ChatRole.User).Text.Split(' ');
            var call = words[0] == "refund"
                ? new FunctionCallContent("c1", "refund", new Dictionary<string, object?> { ["amount"] = knows ? 99m : decimal.Parse(words[1], CultureInfo.InvariantCulture) })
                : new FunctionCallContent("c1", "greet", new Dictionary<string, object?>());
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [call])));
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
