using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests;

public class DreamScheduleOwnAgentTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.CreateCustomTimeZone("Test/Berlin", TimeSpan.FromHours(1), "Berlin", "Berlin");

    [Fact]
    public void Every_existing_call_shape_still_compiles_and_schedules_the_named_agent()
    {
        // A compile-time check first: each of these calls must still bind to AddDreamSchedule(agentId, cron, ...), not to
        // the (cron, timeZone) overload for the app's own agent, nor be ambiguous between them.
        var request = new DreamRunRequest { Scope = MemoryScope.Agent("ignored"), MinSessions = 1 };
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .AddDreamSchedule("bot", "0 3 * * *")
            .AddDreamSchedule("bot", null, afterNewSessions: 50)
            .AddDreamSchedule("bot", cron: "0 4 * * *", timeZone: s_berlin)
            .AddDreamSchedule("bot", cron: "0 5 * * *", s_berlin)
            .AddDreamSchedule("bot", "0 6 * * *", s_berlin)
            .AddDreamSchedule("bot", "0 7 * * *", s_berlin, 20)
            .AddDreamSchedule(agentId: "bot", cron: "0 8 * * *")
            .AddDreamSchedule("bot", "0 9 * * *", request: request)
            .AddDreamSchedule("bot", null, null, 30, request);

        // ... and then that each means what it meant: the agent 'bot', with the cron, zone and count given.
        var schedules = services.Where(d => d.ServiceType == typeof(DreamSchedule)).Select(d => Assert.IsType<DreamSchedule>(d.ImplementationInstance)).ToList();
        Assert.All(schedules, s => Assert.Equal(MemoryScope.Agent("bot"), s.Scope));
        Assert.Equal(
            [
                ("0 3 * * *", TimeZoneInfo.Utc, null, false), (null, TimeZoneInfo.Utc, 50, false), ("0 4 * * *", s_berlin, null, false),
                ("0 5 * * *", s_berlin, null, false), ("0 6 * * *", s_berlin, null, false), ("0 7 * * *", s_berlin, 20, false),
                ("0 8 * * *", TimeZoneInfo.Utc, null, false), ("0 9 * * *", TimeZoneInfo.Utc, null, true), (null, TimeZoneInfo.Utc, (int?)30, true),
            ],
            schedules.Select(s => (s.Cron, s.TimeZone, s.AfterNewSessions, ReferenceEquals(s.Request, request))));
    }

    [Fact]
    public async Task The_cron_and_time_zone_form_dreams_for_the_agent_of_the_options_even_when_set_after_the_call()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 58, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddDreamingAgents()
            .UseInMemoryStore()
            .AddDreamSchedule("0 3 * * *", s_berlin, new DreamRunRequest { Scope = MemoryScope.Global, MinSessions = 1 });
        services.AddDreamingAgents(o => o.AgentId = "support-bot");
        using var provider = services.BuildServiceProvider();
        var scheduler = Assert.IsType<DreamScheduler>(Assert.Single(provider.GetServices<IHostedService>()));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, time, "support-bot", 3);
        await SeedAsync(traces, time, "default", 3);
        await SeedAsync(traces, time, "other", 3);

        var schedule = Assert.Single(provider.GetServices<DreamSchedule>());
        Assert.Equal(MemoryScope.Agent("support-bot"), schedule.Scope);
        Assert.Equal("0 3 * * *", schedule.Cron);
        Assert.Same(s_berlin, schedule.TimeZone);
        Assert.Empty(await scheduler.RunDueAsync());

        // 03:00 in the schedule's zone (UTC+1) is 02:00 UTC.
        time.Advance(TimeSpan.FromMinutes(2.5));
        var run = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(MemoryScope.Agent("support-bot"), run.Scope);
        Assert.Equal(DreamRunStatus.Completed, run.Status);
        Assert.Equal(["support-bot-0", "support-bot-1", "support-bot-2"], run.Results.SessionIds.Order(StringComparer.Ordinal));
        Assert.Empty(await scheduler.RunDueAsync());
    }

    [Fact]
    public async Task Left_at_its_default_the_agent_of_the_options_is_default_and_its_sessions_are_dreamt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 2, 58, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddDreamingAgents().UseInMemoryStore().AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc, new DreamRunRequest { Scope = MemoryScope.Global, MinSessions = 1 });
        using var provider = services.BuildServiceProvider();
        var scheduler = Assert.IsType<DreamScheduler>(Assert.Single(provider.GetServices<IHostedService>()));
        var traces = provider.GetRequiredService<ITraceStore>();
        await SeedAsync(traces, time, "default", 2);
        await SeedAsync(traces, time, "other", 2);

        Assert.Equal(MemoryScope.Agent("default"), Assert.Single(provider.GetServices<DreamSchedule>()).Scope);
        Assert.Empty(await scheduler.RunDueAsync());
        time.Advance(TimeSpan.FromMinutes(2.5));
        var run = Assert.Single(await scheduler.RunDueAsync());
        Assert.Equal(MemoryScope.Agent("default"), run.Scope);
        Assert.Equal(["default-0", "default-1"], run.Results.SessionIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_own_agent_form_checks_its_arguments_at_registration()
    {
        var builder = new ServiceCollection().AddDreamingAgents();

        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((IDreamingBuilder)null!).AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc)).ParamName);
        Assert.Equal("cron", Assert.Throws<ArgumentNullException>(() => builder.AddDreamSchedule(null!, TimeZoneInfo.Utc)).ParamName);
        Assert.Equal("timeZone", Assert.Throws<ArgumentNullException>(() => builder.AddDreamSchedule("0 3 * * *", (TimeZoneInfo)null!)).ParamName);
        Assert.Equal("request", Assert.Throws<ArgumentNullException>(() => builder.AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc, (DreamRunRequest)null!)).ParamName);
        Assert.Contains("DreamSchedule.Cron '0 3 * *'", Assert.Throws<ArgumentException>(() => builder.AddDreamSchedule("0 3 * *", TimeZoneInfo.Utc)).Message, StringComparison.Ordinal);
        Assert.Contains("never occurs", Assert.Throws<ArgumentException>(() => builder.AddDreamSchedule("0 3 30 2 *", TimeZoneInfo.Utc)).Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => builder.AddDreamSchedule("0 3 * * *", TimeZoneInfo.Utc, new DreamRunRequest { Scope = MemoryScope.Global, TokenBudget = 0 }));
        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(DreamSchedule));
    }

    private static async Task SeedAsync(ITraceStore traces, TimeProvider time, string agent, int count)
    {
        var now = time.GetUtcNow();
        await traces.ImportAsync(Enumerable.Range(0, count).Select(i => new SessionWithEvents(
            new SessionRecord
            {
                Id = $"{agent}-{i}",
                AgentId = agent,
                Task = "t",
                Status = SessionStatus.Completed,
                StartedAt = now.AddMinutes(-30 + i),
                EndedAt = now.AddMinutes(-29 + i),
                Outcome = SessionOutcome.Succeeded(),
            },
            [])).ToList());
    }
}
