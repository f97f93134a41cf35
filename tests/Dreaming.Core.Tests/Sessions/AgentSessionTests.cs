using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

public class AgentSessionTests
{
    [Fact]
    public void Options_give_empty_insights_and_metadata_until_set_and_refuse_null()
    {
        var options = new AgentSessionOptions { AgentId = "a", Task = "t" };

        Assert.Empty(options.InsightIds);
        Assert.Empty(options.Metadata);
        options.InsightIds.Add("ins-1");
        options.Metadata["k"] = "v";
        Assert.Equal(["ins-1"], options.InsightIds);
        Assert.Equal("v", options.Metadata["k"]);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => options.InsightIds = null!).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => options.Metadata = null!).ParamName);
    }

    [Theory]
    [InlineData("", "task", "AgentSessionOptions.AgentId")]
    [InlineData("  ", "task", "AgentSessionOptions.AgentId")]
    [InlineData("agent", "", "AgentSessionOptions.Task")]
    [InlineData("agent", " \t", "AgentSessionOptions.Task")]
    public async Task Start_rejects_blank_agent_or_task_naming_the_setting(string agent, string task, string setting)
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var ex = Assert.Throws<ArgumentException>(() => host.Sessions.StartSession(agent, task));
        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_rejects_null_options()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        Assert.Throws<ArgumentNullException>(() => host.Sessions.StartSession(null!));
    }

    [Fact]
    public async Task Complete_makes_the_session_and_its_events_durable_in_order()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent-a", "do the thing");
        for (var i = 0; i < 25; i++)
        {
            await session.RecordAsync(new NoteEvent { Text = "note " + i });
        }

        await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded(0.9, "test"));

        var stored = await host.Store.GetSessionAsync(session.Id);
        Assert.NotNull(stored);
        Assert.Equal(SessionStatus.Completed, stored.Status);
        Assert.Equal("agent-a", stored.AgentId);
        Assert.Equal("do the thing", stored.Task);
        Assert.Equal(SessionOutcome.Success, stored.Outcome!.Label);
        Assert.NotNull(stored.EndedAt);
        var events = await host.Store.GetEventsAsync(session.Id);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => "note " + i), events.Cast<NoteEvent>().Select(e => e.Text));
        Assert.All(events, e => Assert.Equal(session.Id, e.SessionId));
        Assert.Equal(SessionStatus.Completed, session.Status);
    }

    [Fact]
    public async Task Completing_twice_throws_and_keeps_the_first_completion()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.CompleteAsync(SessionStatus.Failed);

        var ex = await Assert.ThrowsAsync<SessionStateException>(() => session.CompleteAsync(SessionStatus.Completed));
        Assert.Contains(session.Id, ex.Message, StringComparison.Ordinal);
        Assert.Equal(SessionStatus.Failed, (await host.Store.GetSessionAsync(session.Id))!.Status);
    }

    [Fact]
    public async Task Completing_with_running_status_is_rejected()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => session.CompleteAsync(SessionStatus.Running));
        Assert.Equal(SessionStatus.Running, session.Status);
    }

    [Fact]
    public async Task Events_after_completion_are_rejected()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.CompleteAsync();

        var ex = await Assert.ThrowsAsync<SessionStateException>(async () => await session.RecordAsync(new NoteEvent { Text = "late" }));
        Assert.Contains("after completion", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await host.Store.GetEventsAsync(session.Id));
    }

    [Fact]
    public async Task Disposing_without_completion_records_abandoned()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        string id;
        await using (var session = host.Sessions.StartSession("agent", "task"))
        {
            id = session.Id;
            await session.RecordAsync(new NoteEvent { Text = "started" });
        }

        var stored = await host.Store.GetSessionAsync(id);
        Assert.Equal(SessionStatus.Abandoned, stored!.Status);
        Assert.Single(await host.Store.GetEventsAsync(id));
    }

    [Fact]
    public async Task Session_is_ambient_until_disposed_and_nests()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        var accessor = host.Services.GetRequiredService<IAgentSessionAccessor>();
        Assert.Null(accessor.Current);
        var outer = host.Sessions.StartSession("agent", "outer");
        Assert.Same(outer, accessor.Current);
        var inner = host.Sessions.StartSession("agent", "inner", parentSessionId: outer.Id);
        Assert.Same(inner, accessor.Current);
        await inner.DisposeAsync();
        Assert.Same(outer, accessor.Current);
        await outer.DisposeAsync();
        Assert.Null(accessor.Current);
        Assert.Equal(outer.Id, (await host.Store.GetSessionAsync(inner.Id))!.ParentSessionId);
    }

    [Fact]
    public async Task Explicit_options_are_recorded()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession(new AgentSessionOptions
        {
            AgentId = "agent",
            Task = "task",
            SessionId = "my-id",
            AgentVersion = "v2",
            Scope = "team-a",
            MemoryVersionId = "mem-3",
            InsightIds = ["i1", "i2"],
            Metadata = { ["ticket"] = "T-1" },
        });
        await session.CompleteAsync();

        var stored = await host.Store.GetSessionAsync("my-id");
        Assert.Equal("v2", stored!.AgentVersion);
        Assert.Equal("team-a", stored.Scope);
        Assert.Equal("mem-3", stored.MemoryVersionId);
        Assert.Equal(["i1", "i2"], stored.InsightIds);
        Assert.Equal("T-1", stored.Metadata["ticket"]);
    }

    [Fact]
    public async Task Usage_accumulates_from_model_responses()
    {
        await using var host = TracingHost.Create(FakeChatClient.Echo());
        await using var session = host.Sessions.StartSession("agent", "task");
        await session.RecordAsync(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = 100, OutputTokens = 20, CostMinorUnits = 7 } });
        await session.RecordAsync(new ModelResponseEvent { Usage = new SessionUsage { InputTokens = 50, OutputTokens = 10, CostMinorUnits = 3 } });
        await session.CompleteAsync();

        var usage = (await host.Store.GetSessionAsync(session.Id))!.Usage;
        Assert.Equal(150, usage.InputTokens);
        Assert.Equal(30, usage.OutputTokens);
        Assert.Equal(10, usage.CostMinorUnits);
        Assert.Equal(2, usage.ModelCalls);
    }
}
