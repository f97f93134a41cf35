using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.AgentView.Tests;

/// <summary>Sessions of several agents, days and memory versions for the agent pages, and a host whose clock is a
/// <see cref="FakeTimeProvider"/>.</summary>
internal static class AgentData
{
    /// <summary>The time the pages are asked at: 2026-11-30 15:00 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 15, 0, 0, TimeSpan.Zero);

    /// <summary>A time before every version and session of the tests: their clocks start there, since a fake clock
    /// cannot go back.</summary>
    public static readonly DateTimeOffset Early = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Starts a host whose <see cref="TimeProvider"/> is <paramref name="clock"/>.</summary>
    public static Task<AgentViewHost> StartAsync(FakeTimeProvider clock, Action<IServiceCollection>? services = null) =>
        AgentViewHost.StartAsync(services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            services?.Invoke(s);
        });

    /// <summary>A session of <paramref name="agent"/> that started at <paramref name="start"/> and, unless running, ended a
    /// minute later, costing <paramref name="cost"/> and ten times as many tokens.</summary>
    public static SessionWithEvents Session(
        string id,
        string agent,
        DateTimeOffset start,
        SessionStatus status = SessionStatus.Completed,
        SessionOutcome? outcome = null,
        long cost = 1,
        string? version = null,
        string? team = null,
        params MemoryVersion[] injected) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = agent,
            Task = "Answer the ticket",
            Scope = team,
            Status = status,
            StartedAt = start,
            EndedAt = status == SessionStatus.Running ? null : start.AddMinutes(1),
            Usage = new SessionUsage { InputTokens = cost * 10, CostMinorUnits = cost, ModelCalls = 1 },
            Outcome = outcome,
            MemoryVersionId = version,
        },
        [.. injected.Select((v, i) => (SessionEvent)new InsightsInjectedEvent
        {
            SessionId = id,
            Sequence = i + 1,
            Timestamp = start,
            MemoryVersionId = v.Id,
            InsightIds = [],
            Scope = v.Scope.Kind == MemoryScopeKind.Agent ? null : v.Scope,
        })]);

    /// <summary>Proposes a version of <paramref name="scope"/> at <paramref name="at"/> on the host's clock.</summary>
    public static async Task<MemoryVersion> VersionAsync(this AgentViewHost host, FakeTimeProvider clock, MemoryScope scope, DateTimeOffset at, MemoryVersion? parent = null)
    {
        clock.SetUtcNow(at);
        return await host.Memory.ProposeAsync(new MemoryProposal { Scope = scope, ParentVersionId = parent?.Id, Author = MemoryAuthor.Person("alice"), Insights = [] });
    }

    /// <summary>Seeds the data set the exact tests read, and sets the clock to <see cref="Now"/>. Agent "support": v1 (stored
    /// 11-20), v2 (11-26), the global v1 (11-27); sessions given v1 by their record on 11-24 (0.6, 0.8, a failure 0.2), 11-25
    /// (no outcome) and 11-27 (1.0); v2 by their record at 11-24 00:00 (0.5) and by their events on 11-25 (0.9); v2 and the
    /// global v1 by their events on 11-28 (0.7); none (an abandoned session, events read, none found) on 11-28; one running
    /// on 11-30; one given v1 at 11-23 23:59:59, a second before a 7-day window. Agent "billing": a completed 0.4 on 11-25,
    /// a blocked one graded success 0.9 on 11-29 (not a pass).</summary>
    public static async Task SeedAsync(AgentViewHost host, FakeTimeProvider clock)
    {
        var v1 = await host.VersionAsync(clock, MemoryScope.Agent("support"), Nov(20, 0));
        var v2 = await host.VersionAsync(clock, MemoryScope.Agent("support"), Nov(26, 0), v1);
        var global = await host.VersionAsync(clock, MemoryScope.Global, Nov(27, 0));
        clock.SetUtcNow(Now);
        await host.Traces.SeedAsync(
            Session("s1", "support", Nov(24, 10), outcome: SessionOutcome.Succeeded(0.6), cost: 10, version: v1.Id),
            Session("s2", "support", Nov(24, 11), outcome: SessionOutcome.Succeeded(0.8), cost: 20, version: v1.Id),
            Session("s3", "support", Nov(24, 12), SessionStatus.Failed, SessionOutcome.Failed(0.2), cost: 5, version: v1.Id),
            Session("s4", "support", Nov(25, 9), cost: 7, version: v1.Id),
            Session("s5", "support", Nov(27, 9), outcome: SessionOutcome.Succeeded(1.0), cost: 3, version: v1.Id),
            Session("s6", "support", Nov(25, 10), outcome: SessionOutcome.Succeeded(0.9), cost: 8, injected: [v2]),
            Session("s7", "support", Nov(28, 10), outcome: SessionOutcome.Succeeded(0.7), cost: 4, injected: [global, v2]),
            Session("s8", "support", Nov(28, 11), SessionStatus.Abandoned, cost: 1),
            Session("s9", "support", Nov(30, 14), SessionStatus.Running),
            Session("s10", "support", Nov(24, 0).AddSeconds(-1), outcome: SessionOutcome.Succeeded(0.1), cost: 1000, version: v1.Id),
            Session("s11", "support", Nov(24, 0), outcome: SessionOutcome.Succeeded(0.5), cost: 2, version: v2.Id),
            Session("b1", "billing", Nov(25, 8), outcome: SessionOutcome.Succeeded(0.4), cost: 100),
            Session("b2", "billing", Nov(29, 8), SessionStatus.Blocked, SessionOutcome.Succeeded(0.9), cost: 0));
    }

    /// <summary>The day <paramref name="day"/> of November 2026 at <paramref name="hour"/>:<paramref name="minute"/> UTC.</summary>
    public static DateTimeOffset Nov(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    /// <summary>The texts of the cells of each body row of the table <paramref name="selector"/> selects.</summary>
    public static string[][] Rows(this AngleSharp.Dom.IParentNode page, string selector) =>
        [.. page.QuerySelectorAll(selector + " tbody tr").Select(row => row.QuerySelectorAll("td").Select(td => td.TextContent).ToArray())];
}
