using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

// The outcome.* payloads and the stored session when the loop's agent asks for help it does not get or reports itself blocked.
public sealed partial class WebhookPublishingTests
{
    [Fact]
    public async Task An_outcome_loop_whose_agent_is_blocked_or_gets_no_help_raises_unsatisfied_blocked_with_the_reason()
    {
        await using var services = Build(o => o.Endpoints[0].Events.Add("outcome.*"));
        var runner = services.GetRequiredService<IOutcomeRunner>();
        var blocked = await runner.RunAsync(Request((_, _) => throw new AgentBlockedException("the order system is down")));
        var helpless = await runner.RunAsync(Request((_, _) => throw new AgentNeedsHelpException("Which order is it?")));

        var rows = await RowsAsync(services);
        Assert.Equal([WebhookEventTypes.OutcomeUnsatisfied, WebhookEventTypes.OutcomeUnsatisfied], rows.Select(r => r.EventType));
        var first = Data(rows[0]);
        Assert.Equal(blocked.SessionId, first.GetProperty("session_id").GetString());
        Assert.Equal("failed", first.GetProperty("result").GetString());
        Assert.True(first.GetProperty("blocked").GetBoolean());
        Assert.Equal("the order system is down", first.GetProperty("error").GetString());
        Assert.Equal(1, first.GetProperty("iterations").GetInt32());
        var second = Data(rows[1]);
        Assert.True(second.GetProperty("blocked").GetBoolean());
        Assert.Equal("the agent asked for help and no escalation handler is set: Which order is it?", second.GetProperty("error").GetString());

        var store = services.GetRequiredService<ITraceStore>();
        Assert.Equal(SessionStatus.Blocked, (await store.GetSessionAsync(blocked.SessionId))!.Status);
        Assert.Equal(SessionStatus.Blocked, (await store.GetSessionAsync(helpless.SessionId))!.Status);
    }
}
