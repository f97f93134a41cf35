using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>A SIMULATION of the learning loop over many nightly dreams, not a claim about real models: a deterministic fake
/// shop agent (offline dreams, template lessons, in-memory stores, a fake clock one day per night). Each night runs the
/// same mix of sessions and then one Auto dream of the agent's scope. The patterns: (a) refunds above the order total fail
/// until the lesson about that error is in the instructions; (b) a shipping carrier that is discontinued until night 10,
/// after which shipping tasks stop; (c) a lesson that hurts: told about locked orders, the agent verifies first, which
/// locks every order; (d) four catalogue sections each offline with its own lesson, more than the memory's budget holds;
/// (e) greetings that always pass.</summary>
public sealed class ManyDreamsSimulation(ITestOutputHelper output)
{
    public const int Nights = 36;
    private const string Agent = "shop-bot";

    /// <summary>The measured trajectory of one simulated night.</summary>
    public sealed record Night(
        int Number,
        Dictionary<string, double> PassRate,
        int ActiveInsights,
        int ActiveTokens,
        int HeldBack,
        int Retired,
        bool VersionCreated,
        Dictionary<DreamChangeOp, int> Changes,
        int SessionsRead,
        double InjectedPerSession,
        string? Note);

    [Fact]
    public async Task Over_many_nights_the_loop_learns_forgets_what_went_stale_and_drops_what_hurts()
    {
        var (nights, final, runs) = await SimulateAsync(output.WriteLine);
        var changes = runs.SelectMany((r, night) => r.Results.Report.Changes.Select(c => (Night: night + 1, Change: c))).ToList();

        // Each session is read by exactly one completed dream, and credited once: a lesson's Seen is the sessions it was about.
        var read = runs.SelectMany(r => r.Results.SessionIds).ToList();
        Assert.Equal(read.Count, read.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Nights * SessionsPerNight, read.Count);

        // The pass rate rises after the first dream and stays up.
        Assert.True(nights[0].PassRate["all"] < 0.4, ManyDreamsSimulation.Format(nights[0]));
        Assert.All(nights.Skip(2), n => Assert.True(n.PassRate["all"] >= 0.85, Format(n)));

        // (a) the refund lesson: fails before the first dream, passes from then on, stays, credited by the refund sessions only.
        Assert.Equal(0.25, nights[0].PassRate["refund"], 3);
        Assert.All(nights.Skip(1), n => Assert.Equal(1.0, n.PassRate["refund"], 3));
        var refund = final.Insights.Single(i => i.Text.Contains("does not add up", StringComparison.Ordinal));
        Assert.Equal(InsightStatus.Active, refund.Status);
        Assert.Equal((4 * (Nights - 1), 4 * (Nights - 1), 0), (refund.Seen, refund.Helpful, refund.Harmful));

        // (b) the shipping lesson helped until night 10, then the tasks stopped: it decays DecayAfter (7 days) after the last
        // dream that credited it, instead of being given to every session for ever.
        var ship = final.Insights.Single(i => i.Text.Contains("carrier postal", StringComparison.Ordinal));
        Assert.Equal(InsightStatus.Retired, ship.Status);
        Assert.True(ship.Helpful > 0);
        var decayed = changes.Single(c => c.Change.InsightId == ship.Id && c.Change.Op == DreamChangeOp.Retire);
        Assert.Contains("decayed", decayed.Change.Reason, StringComparison.Ordinal);
        Assert.Equal(10 + 8, decayed.Night);
        Assert.All(nights.Skip(decayed.Night), n => Assert.Equal(5, n.ActiveInsights));

        // (c) the lesson that hurts is retired as harmful by the dream after the nights it was given, and stays retired:
        // found again every night, it is rejected, never added back.
        var locked = Assert.Single(final.Insights, i => i.Text.Contains("order is locked", StringComparison.Ordinal));
        Assert.Equal(InsightStatus.Retired, locked.Status);
        Assert.True(locked.Harmful >= 3 && locked.Harmful > 2 * locked.Helpful, $"harmful {locked.Harmful}, helpful {locked.Helpful}");
        Assert.Equal(2, changes.Single(c => c.Change.InsightId == locked.Id && c.Change.Op == DreamChangeOp.Retire).Night);
        Assert.Equal(Enumerable.Range(2, Nights - 1), changes.Where(c => c.Change.InsightId == locked.Id && c.Change.Op == DreamChangeOp.Reject).Select(c => c.Night));
        Assert.Equal(0.0, nights[1].PassRate["cancel"], 3);
        Assert.All(nights.Skip(2), n => Assert.Equal(0.5, n.PassRate["cancel"], 3));

        // (d) the memory stays within its budget; what was held back comes back once there is room.
        Assert.All(nights, n => Assert.True(n.ActiveTokens <= MemoryBudgetTokens, $"night {n.Number}: {n.ActiveTokens} tokens"));
        Assert.Equal(1, nights[0].HeldBack);
        Assert.Contains(changes, c => c.Night == 2 && c.Change.InsightId == ship.Id && c.Change.Reason.Contains("activated", StringComparison.Ordinal));
        Assert.All(nights.Skip(1), n => Assert.Equal(0, n.HeldBack));

        // (e) greetings always pass. No churn: every insight was added once, and none retired twice.
        Assert.All(nights, n => Assert.Equal(1.0, n.PassRate["greet"], 3));
        Assert.Equal(final.Insights.Count, changes.Count(c => c.Change.Op == DreamChangeOp.Add));
        Assert.Equal(2, changes.Count(c => c.Change.Op == DreamChangeOp.Retire));
    }

    [Fact]
    public async Task With_a_lookback_each_session_is_still_read_by_one_dream_and_credited_once()
    {
        var (_, final, runs) = await SimulateAsync(output.WriteLine, lookback: TimeSpan.FromDays(7));

        var read = runs.SelectMany(r => r.Results.SessionIds).ToList();
        Assert.Equal(read.Count, read.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Nights * SessionsPerNight, read.Count);
        var refund = Assert.Single(final.Insights, i => i.Text.Contains("does not add up", StringComparison.Ordinal));
        Assert.Equal((4 * (Nights - 1), 4 * (Nights - 1), 0), (refund.Seen, refund.Helpful, refund.Harmful));
        Assert.Equal(final.Insights.Count, runs.SelectMany(r => r.Results.Report.Changes).Count(c => c.Op == DreamChangeOp.Add));
    }

    private const int MemoryBudgetTokens = 520;
    private const int SessionsPerNight = 4 + 3 + 6 + (4 * 3) + 3;

    private static readonly string[] s_sections = ["alpha", "bravo", "charlie", "delta"];

    public static async Task<(List<Night> Nights, MemoryVersion Final, List<DreamRun> Runs)> SimulateAsync(Action<string>? log = null, TimeSpan? lookback = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents(o => o.AgentId = Agent).UseInMemoryStore();
        services.Configure<CurationOptions>(o =>
        {
            o.DecayAfter = TimeSpan.FromDays(7);
            o.MemoryTokenBudget = MemoryBudgetTokens;
        });
        services.AddChatClient(new ShopAgent()).UseDreaming().UseFunctionInvocation();
        await using var provider = services.BuildServiceProvider();
        var dreams = provider.GetRequiredService<IDreamConsolidator>();
        var memory = provider.GetRequiredService<IMemoryStore>();
        var traces = provider.GetRequiredService<ITraceStore>();
        var scope = MemoryScope.Agent(Agent);
        var nights = new List<Night>();
        var runs = new List<DreamRun>();
        var versionsBefore = 0;
        for (var night = 1; night <= Nights; night++)
        {
            var sessions = await RunNightAsync(provider, clock, night);
            var injected = 0;
            foreach (var (id, _, _) in sessions)
            {
                injected += (await traces.GetEventsAsync(id)).OfType<InsightsInjectedEvent>().Sum(e => e.InsightIds.Count);
            }

            clock.Advance(TimeSpan.FromHours(1));
            var run = await dreams.DreamAsync(new DreamRunRequest { Scope = scope, Lookback = lookback });
            Assert.Equal(DreamRunStatus.Completed, run.Status);
            runs.Add(run);
            var versions = (await memory.ListVersionsAsync(scope, limit: 1000)).Count;
            var active = await memory.GetActiveVersionAsync(scope);
            var live = active?.Insights.Where(i => i.Status == InsightStatus.Active).ToList() ?? [];
            var result = new Night(
                night,
                sessions.GroupBy(s => s.Kind).Append(sessions.GroupBy(_ => "all").Single()).ToDictionary(g => g.Key, g => g.Count(s => s.Passed) / (double)g.Count()),
                live.Count,
                live.Sum(i => (i.Id.Length + i.Text.Length + 6 + 3) / 4),
                active?.Insights.Count(i => i.Status == InsightStatus.Proposed) ?? 0,
                active?.Insights.Count(i => i.Status == InsightStatus.Retired) ?? 0,
                versions > versionsBefore,
                run.Results.Report.Changes.GroupBy(c => c.Op).ToDictionary(g => g.Key, g => g.Count()),
                run.Results.SessionIds.Count,
                injected / (double)sessions.Count,
                run.Results.Note);
            versionsBefore = versions;
            nights.Add(result);
            log?.Invoke(Format(result));
            clock.Advance(TimeSpan.FromHours(23) - (SessionsPerNight * TimeSpan.FromMinutes(1)));
        }

        var final = (await memory.GetActiveVersionAsync(scope))!;
        foreach (var insight in final.Insights)
        {
            log?.Invoke($"{insight.Status,-10} h{insight.Helpful,3} x{insight.Harmful,3} s{insight.Seen,4} {insight.Text[..Math.Min(70, insight.Text.Length)]}");
        }

        return (nights, final, runs);
    }

    public static string Format(Night n) => string.Create(
        CultureInfo.InvariantCulture,
        $"night {n.Number,2}: pass {string.Join(' ', n.PassRate.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value:0.00}"))} | active {n.ActiveInsights} ({n.ActiveTokens} tok), held {n.HeldBack}, retired {n.Retired} | version {(n.VersionCreated ? "new" : "none")} | changes {string.Join(' ', n.Changes.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}"))} | read {n.SessionsRead} | injected/session {n.InjectedPerSession:0.0}{(n.Note is null ? string.Empty : " | " + n.Note)}");

    private static async Task<List<(string Id, string Kind, bool Passed)>> RunNightAsync(IServiceProvider provider, FakeTimeProvider clock, int night)
    {
        var tasks = new List<(string Kind, string Task)>();
        for (var i = 0; i < 4; i++)
        {
            tasks.Add(("refund", i < 3 ? "refund 150" : "refund 50"));
        }

        if (night <= 10)
        {
            for (var i = 0; i < 3; i++)
            {
                tasks.Add(("ship", "ship postal"));
            }
        }
        else
        {
            for (var i = 0; i < 3; i++)
            {
                tasks.Add(("greet", "greet customer"));
            }
        }

        for (var i = 0; i < 6; i++)
        {
            tasks.Add(("cancel", i < 3 ? "cancel locked" : "cancel open"));
        }

        // Three sessions of each section a night: a dream reads one night, and a pattern needs MiningOptions.MinSupport (3).
        tasks.AddRange(s_sections.SelectMany(s => Enumerable.Repeat(("lookup", "lookup " + s), 3)));
        for (var i = 0; i < 3; i++)
        {
            tasks.Add(("greet", "greet customer"));
        }

        var factory = provider.GetRequiredService<IAgentSessionFactory>();
        var chat = provider.GetRequiredService<IChatClient>();
        var options = new ChatOptions { Tools = [.. Tools()] };
        var outcomes = new List<(string, string, bool)>();
        foreach (var (kind, task) in tasks)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await using var session = factory.StartSession(Agent, $"Night {night}: {task}");
            var answer = await chat.GetResponseAsync(task, options);
            var passed = answer.Text.StartsWith("Done", StringComparison.Ordinal);
            await session.CompleteAsync(passed ? SessionStatus.Completed : SessionStatus.Failed, passed ? SessionOutcome.Succeeded() : SessionOutcome.Failed());
            outcomes.Add((session.Id, kind, passed));
        }

        return outcomes;
    }

    private static IEnumerable<AIFunction> Tools()
    {
        yield return AIFunctionFactory.Create(
            (decimal amount) => amount > 99m ? throw new InvalidOperationException($"payment amount does not add up, total is 99, requested {amount}") : "refunded",
            "refund");
        yield return AIFunctionFactory.Create(
            (string carrier) => carrier == "postal" ? throw new InvalidOperationException("carrier postal is discontinued, use courier") : "shipped",
            "ship");
        yield return AIFunctionFactory.Create(
            (bool locked, bool verify) => locked || verify ? throw new InvalidOperationException("cannot cancel: order is locked") : "cancelled",
            "cancel");
        yield return AIFunctionFactory.Create(
            (string section, bool mirror) => mirror ? "found" : throw new InvalidOperationException($"catalogue section {section} is offline, use the mirror"),
            "lookup");
        yield return AIFunctionFactory.Create(() => "hello", "greet");
    }

    /// <summary>Does what the task says, changed only by a lesson in its instructions that names the error.</summary>
    private sealed class ShopAgent : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            if (list.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).LastOrDefault() is { } result)
            {
                return Reply(result.Exception is null ? "Done." : "Failed.");
            }

            var memory = string.Concat(list.Where(m => m.Role == ChatRole.System).Select(m => m.Text));
            bool Knows(string phrase) => memory.Contains(phrase, StringComparison.Ordinal);
            var words = list.Last(m => m.Role == ChatRole.User).Text.Split(' ');
            var (tool, args) = words[0] switch
            {
                "refund" => ("refund", new Dictionary<string, object?> { ["amount"] = Knows("does not add up") ? 99m : decimal.Parse(words[1], CultureInfo.InvariantCulture) }),
                "ship" => ("ship", new Dictionary<string, object?> { ["carrier"] = Knows("carrier postal") ? "courier" : "postal" }),
                "cancel" => ("cancel", new Dictionary<string, object?> { ["locked"] = words[1] == "locked", ["verify"] = Knows("order is locked") }),
                "lookup" => ("lookup", new Dictionary<string, object?> { ["section"] = words[1], ["mirror"] = Knows($"section {words[1]}") }),
                _ => ("greet", new Dictionary<string, object?>()),
            };
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", tool, args)])));
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
