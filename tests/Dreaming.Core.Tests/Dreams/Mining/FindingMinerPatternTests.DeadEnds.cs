namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>Dead ends and help questions as patterns: block reasons, recurring help questions, and an orchestration
/// item's block or help request read from its error event.</summary>
public sealed partial class FindingMinerPatternTests
{
    [Fact]
    public async Task A_block_reason_recurring_across_sessions_is_a_dead_end_signed_like_an_error()
    {
        // The outcome loop's notes (OutcomeRunner): the same block with other order numbers, and other iterations.
        MiningSessions[] sessions =
        [
            MiningSessions.Blocked("b1").Note("outcome.blocked (iteration 1): the order system is down for order 12345"),
            MiningSessions.Blocked("b2").Call("lookup").Note("outcome.blocked (iteration 3): the order system is down for order 777"),
            MiningSessions.Blocked("b3").Note("outcome.blocked (iteration 2): the order system is down for order 9"),
            MiningSessions.Succeeded("s1").Call("lookup").Note("the host's own note: the order system is down for order 1"),
            MiningSessions.Succeeded("s2").Call("lookup"),
            MiningSessions.Succeeded("s3").Call("lookup"),
        ];

        var report = await MiningSessions.MineAsync(sessions);

        var stuck = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal(FindingKinds.AgentStuck, stuck.Kind);
        Assert.Null(stuck.Tool);
        Assert.Equal("blocked: the order system is down for order <num>", stuck.Signature);
        Assert.Equal((3, 3, 3L, 3L), (stuck.Sessions, stuck.FailedSessions, stuck.Occurrences, stuck.WastedCalls));
        Assert.Equal("the order system is down for order 12345", stuck.Example);
        Assert.Equal(["b1", "b2", "b3"], stuck.Evidence.Select(e => e.SessionId));
        Assert.Equal([3L], stuck.Evidence[1].EventSequences);
    }

    [Fact]
    public async Task A_recurring_help_question_is_a_pattern_of_its_own_and_a_cost_when_guidance_saved_the_sessions()
    {
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 3; i++)
        {
            // Asked twice in one session, then guided to success: a cost, not a cause of failure.
            sessions.Add(MiningSessions.Succeeded($"s{i}")
                .Note($"outcome.help_requested (iteration 1): Which currency is invoice INV-{i}00 in?")
                .Note("outcome.guidance (after iteration 1): EUR")
                .Note($"outcome.help_requested (iteration 2): Which currency is invoice INV-{i}00 in?"));
            sessions.Add(MiningSessions.Failed($"f{i}").Call("lookup"));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var asked = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal(FindingKinds.EfficiencyCost, asked.Kind);
        Assert.Equal("help_requested: Which currency is invoice <id> in?", asked.Signature);
        Assert.Equal((3, 0, 6L), (asked.Sessions, asked.FailedSessions, asked.Occurrences));
        Assert.DoesNotContain(report.Findings, f => f.Signature.Contains("EUR", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_orchestration_items_block_is_read_from_its_error_event_and_joins_the_same_block_noted_by_outcome_loops()
    {
        MiningSessions[] sessions =
        [
            // Items without a rubric (PlanExecution): the signal is the error that ended the attempt.
            MiningSessions.Blocked("i1").Error(nameof(AgentBlockedException), "the order system is down for order 12345"),
            MiningSessions.Blocked("i2").Call("lookup").Error(nameof(AgentBlockedException), "the order system is down for order 777"),
            // An exception derived from AgentBlockedException, recorded under its own name in a session that ended blocked.
            MiningSessions.Blocked("i3").Error("OrderSystemDownException", "the order system is down for order 4"),
            // An outcome loop's note of the same block.
            MiningSessions.Blocked("b1").Note("outcome.blocked (iteration 2): the order system is down for order 9"),
            // Not the agent's signal: a stopped run's, another operation's, or an item's thrown attempt.
            MiningSessions.Failed("f1").Error(nameof(AgentBlockedException), "the order system is down for order 5", cancellation: true),
            MiningSessions.Failed("f2").Error(nameof(AgentBlockedException), "the order system is down for order 6", operation: "chat.get_response"),
            MiningSessions.Failed("f3").Error(nameof(HttpRequestException), "the order system is down for order 7"),
            MiningSessions.Succeeded("s1").Call("lookup"),
            MiningSessions.Succeeded("s2").Call("lookup"),
            MiningSessions.Succeeded("s3").Call("lookup"),
        ];

        var report = await MiningSessions.MineAsync(sessions);

        var stuck = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal(FindingKinds.AgentStuck, stuck.Kind);
        Assert.Equal("blocked: the order system is down for order <num>", stuck.Signature);
        Assert.Equal((4, 4, 4L, 4L), (stuck.Sessions, stuck.FailedSessions, stuck.Occurrences, stuck.WastedCalls));
        Assert.Equal("the order system is down for order 12345", stuck.Example);
        Assert.Equal(["b1", "i1", "i2", "i3"], stuck.Evidence.Select(e => e.SessionId).Order(StringComparer.Ordinal));
        Assert.Equal([3L], stuck.Evidence.Single(e => e.SessionId == "i2").EventSequences);
    }

    [Fact]
    public async Task An_orchestration_items_help_request_is_read_from_its_error_event_as_a_question()
    {
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(MiningSessions.Blocked($"i{i}").Error(nameof(AgentNeedsHelpException), $"Which region is order {i}00 in?"));
            sessions.Add(MiningSessions.Succeeded($"s{i}").Call("lookup"));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var asked = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.AgentStuck);
        Assert.Equal("help_requested: Which region is order <num> in?", asked.Signature);
        Assert.Equal((3, 3), (asked.Sessions, asked.FailedSessions));
    }
}
