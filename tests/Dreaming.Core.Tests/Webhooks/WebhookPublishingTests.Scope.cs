using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

// The team or tenant scope of session.completed / session.failed, so a receiver can route by team.
public sealed partial class WebhookPublishingTests
{
    [Fact]
    public async Task A_scoped_sessions_end_carries_its_scope_and_an_unscoped_ones_has_none()
    {
        await using var services = Build();
        var sessions = services.GetRequiredService<IAgentSessionFactory>();
        await using (var billing = sessions.StartSession(new AgentSessionOptions { AgentId = "support-bot", Task = "refund order #1", Scope = "billing" }))
        {
            await billing.CompleteAsync();
        }

        await using (var failed = sessions.StartSession(new AgentSessionOptions { AgentId = "support-bot", Task = "refund order #2", Scope = "tenant-7" }))
        {
            await failed.CompleteAsync(SessionStatus.Failed);
        }

        await using (var solo = sessions.StartSession("support-bot", "refund order #3"))
        {
            await solo.CompleteAsync();
        }

        var rows = await RowsAsync(services);
        Assert.Equal([WebhookEventTypes.SessionCompleted, WebhookEventTypes.SessionFailed, WebhookEventTypes.SessionCompleted], rows.Select(r => r.EventType));
        Assert.Equal("billing", Data(rows[0]).GetProperty("scope").GetString());
        Assert.Equal("support-bot", Data(rows[0]).GetProperty("agent_id").GetString());
        Assert.Equal("tenant-7", Data(rows[1]).GetProperty("scope").GetString());
        Assert.False(Data(rows[2]).TryGetProperty("scope", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_scope_which_is_no_team_is_left_out_as_none(string blank)
    {
        // A session started with a blank Scope is given no team memory and read by no team dream: it has no team.
        var completion = new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = DateTimeOffset.UnixEpoch };

        var (_, data) = WebhookEventData.SessionEnded(completion, "a", null, blank, "task", full: false);

        Assert.False(data.ContainsKey("scope"));
    }

    [Fact]
    public void The_earlier_overload_keeps_its_payload_without_a_scope()
    {
        var completion = new SessionCompletion { SessionId = "s1", Status = SessionStatus.Completed, EndedAt = DateTimeOffset.UnixEpoch };

        var (type, data) = WebhookEventData.SessionEnded(completion, "a", "p", "task", full: true);
        var (_, scoped) = WebhookEventData.SessionEnded(completion, "a", "p", "team-x", "task", full: true);

        Assert.Equal(WebhookEventTypes.SessionCompleted, type);
        Assert.False(data.ContainsKey("scope"));
        Assert.Equal(("p", "task"), ((string?)data["parent_session_id"], (string?)data["task"]));
        Assert.Equal(("team-x", "p", "task"), ((string?)scoped["scope"], (string?)scoped["parent_session_id"], (string?)scoped["task"]));
    }
}
