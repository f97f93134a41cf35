namespace Dreaming.Tests;

/// <summary>Findings and sessions the dream tests share: a tool error with set statistics, and refund sessions that fail
/// with the same payment error.</summary>
internal static class DreamTestData
{
    public const string PaymentError = "Error: payment amount does not add up";

    /// <summary>A tool-error finding of <paramref name="tool"/>; with sessions, each is failed evidence at event 3.</summary>
    public static Finding ToolErrorFinding(string tool, string signature = PaymentError, params string[] sessions) => new()
    {
        Kind = FindingKinds.ToolError,
        Pattern = FindingKinds.ToolError,
        Tool = tool,
        Signature = signature,
        Sessions = Math.Max(4, sessions.Length),
        FailedSessions = Math.Max(3, sessions.Length),
        FailureRate = sessions.Length > 0 ? 1 : 0.75,
        Lift = 1.5,
        FailureRateLowerBound = 0.3,
        PValue = 0.1,
        Strength = 0.6,
        Occurrences = Math.Max(4, sessions.Length),
        WastedCalls = 0,
        WastedTokens = 0,
        Evidence = sessions.Select(s => new FindingEvidence(s, true, [3])).ToList(),
    };

    /// <summary>A finished session of <paramref name="agentId"/> that calls <c>refund</c>: failing with the payment error, or passing.</summary>
    public static SessionWithEvents RefundSession(string id, bool fails, string agentId = "bot", DateTimeOffset? start = null)
    {
        var time = start ?? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        List<SessionEvent> events =
        [
            new ToolCallEvent { CallId = "c", ToolName = "refund", Arguments = "{}" },
            new ToolResultEvent { CallId = "c", ToolName = "refund", IsError = fails, Result = fails ? PaymentError : "ok" },
        ];
        return new SessionWithEvents(
            new SessionRecord { Id = id, AgentId = agentId, Task = "Refund", Status = SessionStatus.Completed, StartedAt = time, EndedAt = time.AddSeconds(5), Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded() },
            events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = time }).ToList());
    }

    /// <summary><paramref name="count"/> refund sessions a minute apart (<c>s00</c>, <c>s01</c>, …), the first <paramref name="failing"/> failing.</summary>
    public static List<SessionWithEvents> RefundSessions(int count, int failing, string agentId = "bot") =>
        Enumerable.Range(0, count)
            .Select(i => RefundSession($"s{i:D2}", i < failing, agentId, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i)))
            .ToList();
}
