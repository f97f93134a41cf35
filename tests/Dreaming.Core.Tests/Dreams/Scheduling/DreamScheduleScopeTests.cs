using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamScheduleScopeTests
{
    [Fact]
    public void The_agent_id_forms_still_bind_to_the_agent_overload_and_a_scope_registers_as_given()
    {
        // These calls compile only if the string overload is still chosen (no ambiguity with the MemoryScope one).
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .AddDreamSchedule("bot", "0 3 * * *")
            .AddDreamSchedule("bot", null, afterNewSessions: 50)
            .AddDreamSchedule("bot", cron: null, afterNewSessions: 10)
            .AddDreamSchedule(MemoryScope.Team("billing"), "0 4 * * *", TimeZoneInfo.Utc)
            .AddDreamSchedule(MemoryScope.Global, cron: null, afterNewSessions: 20, request: new DreamRunRequest { Scope = MemoryScope.Agent("ignored"), MinSessions = 20 });

        var schedules = services.Where(d => d.ServiceType == typeof(DreamSchedule)).Select(d => (DreamSchedule)d.ImplementationInstance!).ToList();

        Assert.Equal(["agent:bot", "agent:bot", "agent:bot", "team:billing", "global"], schedules.Select(s => s.Scope.Key));
        Assert.Equal([50, 10], schedules.Skip(1).Take(2).Select(s => s.AfterNewSessions!.Value));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public void A_scope_schedule_is_validated_at_registration_naming_the_scope_and_the_parameter()
    {
        var builder = new ServiceCollection().AddDreamingAgents();

        Assert.Equal("scope", Assert.Throws<ArgumentNullException>(() => builder.AddDreamSchedule((MemoryScope)null!, "0 3 * * *")).ParamName);
        Assert.Equal("agentId", Assert.ThrowsAny<ArgumentException>(() => builder.AddDreamSchedule(" ", "0 3 * * *")).ParamName);
        var none = Assert.Throws<ArgumentException>(() => builder.AddDreamSchedule(MemoryScope.Team("billing"), null));
        Assert.Contains("team:billing", none.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<ArgumentException>(() => builder.AddDreamSchedule(MemoryScope.Global, "0 3 * *"));
        Assert.Contains("DreamSchedule.Cron", bad.Message, StringComparison.Ordinal);
        Assert.Contains("MinSessions (10)", Assert.Throws<ArgumentException>(() => builder.AddDreamSchedule(MemoryScope.Global, null, afterNewSessions: 5)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_team_count_schedule_counts_and_dreams_over_only_the_teams_sessions()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var team = MemoryScope.Team("billing");
        var (scheduler, traces, runs) = Build(time, b => b.AddDreamSchedule(team, null, afterNewSessions: 5, request: new DreamRunRequest { Scope = team, MinSessions = 5 }));

        // Plenty of sessions, but only 4 of the team's (of two agents): no dream yet.
        await SeedAsync(traces, time, "other", 0, 10, scope: "support");
        await SeedAsync(traces, time, "unscoped", 0, 10, scope: null);
        await SeedAsync(traces, time, "billing-a", 0, 2, scope: "billing");
        await SeedAsync(traces, time, "billing-b", 0, 2, scope: "billing");
        await SeedAsync(traces, time, "case", 0, 3, scope: "Billing");
        Assert.Empty(await scheduler.RunDueAsync());

        await SeedAsync(traces, time, "billing-b", 2, 1, scope: "billing");
        var run = Assert.Single(await scheduler.RunDueAsync());

        Assert.Equal(team, run.Scope);
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(5, run.Results.SessionIds.Count);
        Assert.All(run.Results.SessionIds, id => Assert.StartsWith("billing-", id, StringComparison.Ordinal));
        Assert.Empty(await scheduler.RunDueAsync());

        // The count starts again after the dream: four more of the team's are not enough, a fifth is.
        await SeedAsync(traces, time, "billing-a", 10, 4, scope: "billing");
        await SeedAsync(traces, time, "other", 10, 10, scope: "support");
        Assert.Empty(await scheduler.RunDueAsync());
        await SeedAsync(traces, time, "billing-a", 14, 1, scope: "billing");
        Assert.Equal(5, Assert.Single(await scheduler.RunDueAsync()).Results.SessionIds.Count);
        Assert.Equal(2, (await runs.ListAsync(team)).Count);
    }

    [Fact]
    public async Task A_global_schedule_counts_every_session_and_a_team_cron_fires_for_the_team()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var (scheduler, traces, _) = Build(time, b => b
            .AddDreamSchedule(MemoryScope.Global, null, afterNewSessions: 12, request: new DreamRunRequest { Scope = MemoryScope.Global, MinSessions = 12 })
            .AddDreamSchedule(MemoryScope.Team("billing"), "0 3 * * *", request: new DreamRunRequest { Scope = MemoryScope.Global, MinSessions = 1 }));

        await SeedAsync(traces, time, "a", 0, 5, scope: "billing");
        await SeedAsync(traces, time, "b", 0, 6, scope: null);
        Assert.Empty(await scheduler.RunDueAsync());

        await SeedAsync(traces, time, "c", 0, 1, scope: "support");
        var global = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(MemoryScope.Global, global.Scope);
        Assert.Equal(12, global.Results.SessionIds.Count);

        time.Advance(TimeSpan.FromMinutes(2.5));
        var nightly = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(MemoryScope.Team("billing"), nightly.Scope);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"a-{i:D3}"), nightly.Results.SessionIds.Order(StringComparer.Ordinal));
    }

    private static (DreamScheduler Scheduler, ITraceStore Traces, IDreamRunStore Runs) Build(FakeTimeProvider time, Action<IDreamingBuilder> schedules)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var builder = services.AddDreamingAgents().UseInMemoryStore();
        schedules(builder);
        var provider = services.BuildServiceProvider();
        var scheduler = Assert.IsType<DreamScheduler>(Assert.Single(provider.GetServices<IHostedService>()));
        return (scheduler, provider.GetRequiredService<ITraceStore>(), provider.GetRequiredService<IDreamRunStore>());
    }

    private static async Task SeedAsync(ITraceStore traces, TimeProvider time, string agent, int first, int count, string? scope)
    {
        var now = time.GetUtcNow();
        await traces.ImportAsync(Enumerable.Range(first, count).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = $"{agent}-{i:D3}",
                AgentId = agent,
                Scope = scope,
                Task = "t",
                Status = SessionStatus.Completed,
                StartedAt = now.AddMinutes(-30 + i),
                EndedAt = now.AddMinutes(-30 + i).AddSeconds(10),
                Outcome = SessionOutcome.Succeeded(),
            },
            [])).ToList());
    }
}
