using Dreaming.Tests;

namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>Tool calls a person refused to approve (<see cref="ToolResultEvent.RejectedErrorType"/>) are one pattern of
/// their tool whatever the reason given, and their lesson says to confirm first, not to check the arguments.</summary>
public sealed class FindingMinerRejectedCallsTests
{
    private const string Signature = "refused by a person";

    private static readonly string?[] s_reasons = ["over the refund limit for order 42", "needs a manager's sign-off", null];

    [Fact]
    public async Task Refusals_of_one_tool_with_different_reasons_are_one_tool_error_finding_of_that_tool()
    {
        var report = await new FindingMiner().MineAsync(MiningSessions.Stream(
        [
            Session("f1", fails: true, 0),
            Session("f2", fails: true, 1),
            Session("f3", fails: true, 2),
            Session("f4", fails: true, 0),
            Session("s1", fails: false),
            Session("s2", fails: false),
            Session("s3", fails: false),
            Session("s4", fails: false),
        ]));

        var finding = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.ToolError);
        Assert.Equal((FindingKinds.ToolError, "refund", Signature), (finding.Kind, finding.Tool, finding.Signature));
        Assert.Equal((4, 4), (finding.Sessions, finding.FailedSessions));

        // The example is the reason the person gave.
        Assert.Equal(s_reasons[0], finding.Example);
    }

    [Fact]
    public async Task A_dream_over_sessions_with_refused_calls_writes_a_lesson_to_confirm_first()
    {
        var traces = new InMemoryTraceStore();
        var sessions = Enumerable.Range(0, 14).Select(i => Session($"s{i:D2}", fails: i < 8, i % 3)).ToList();
        await traces.ImportAsync(sessions);
        var memory = new InMemoryMemoryStore();
        var dreams = new DreamConsolidator(traces, memory, new InMemoryDreamRunStore());

        var run = await dreams.DreamAsync(new DreamRunRequest { Scope = MemoryScope.Agent("agent") }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DreamRunStatus.Completed, run.Status);
        var top = run.Results.Report.Findings[0];
        Assert.Equal((FindingKinds.ToolError, "refund", Signature), (top.Kind, top.Tool, top.Signature));
        var version = await memory.GetActiveVersionAsync(MemoryScope.Agent("agent"));
        var lesson = Assert.Single(version!.Insights, i => i.Triggers.Tools.Contains("refund"));
        Assert.StartsWith("A person refused calls to `refund`: 8 of the 8 sessions where it happened failed", lesson.Text, StringComparison.Ordinal);
        Assert.Contains("confirm", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Check the arguments", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("fail with", lesson.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_call_sent_again_unchanged_is_a_lesson_not_to_repeat_it()
    {
        var finding = new Finding { Kind = FindingKinds.RepeatedFailingCall, Pattern = FindingKinds.RepeatedFailingCall, Tool = "refund", Signature = Signature, Sessions = 4, FailedSessions = 4, FailureRate = 1, Lift = 2, FailureRateLowerBound = 0.5, PValue = 0.01, Strength = 1, Occurrences = 8, WastedCalls = 4, WastedTokens = 100, Evidence = [] };

        var lesson = TemplateLessonWriter.Write(finding, 0.5);

        Assert.StartsWith("After a person refused a call to `refund`, the same call was sent again: ", lesson.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Change the arguments", lesson.Text, StringComparison.Ordinal);
    }

    // A failing session's refund call is refused (with the reason given, or none) and the session gives up; a passing
    // one's call is approved and answered.
    private static SessionWithEvents Session(string id, bool fails, int reason = 0)
    {
        var time = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events =
        [
            new ToolCallEvent { CallId = "c0", ToolName = "refund", Arguments = "{\"orderId\":\"42\"}" },
            new ModelResponseEvent { Usage = new SessionUsage { InputTokens = 30, OutputTokens = 10 } },
            fails
                ? new ToolResultEvent
                {
                    CallId = "c0", ToolName = "refund", IsError = true, ErrorType = ToolResultEvent.RejectedErrorType, ErrorMessage = s_reasons[reason],
                    Result = ("Tool call invocation was rejected by the approver and must not be retried. " + s_reasons[reason]).Trim(),
                }
                : new ToolResultEvent { CallId = "c0", ToolName = "refund", Result = "refunded" },
        ];

        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = "agent", Task = "Refund my order", Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(5), Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time.AddSeconds(n) }).ToList());
    }
}
