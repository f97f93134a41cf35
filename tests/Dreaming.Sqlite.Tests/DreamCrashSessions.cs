namespace Dreaming.Tests;

/// <summary>The sessions the dream crash tests seed (SQLite's and PostgreSQL's, which links this file): 14 finished
/// sessions of one agent, 8 of them failing the same way, enough for a dream to write a lesson.</summary>
internal static class DreamCrashSessions
{
    /// <summary>Builds the sessions.</summary>
    /// <param name="agentId">The agent they belong to.</param>
    /// <returns>The sessions with their events.</returns>
    public static List<SessionWithEvents> Build(string agentId)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var sessions = new List<SessionWithEvents>();
        for (var i = 0; i < 14; i++)
        {
            var fails = i < 8;
            var id = $"s{i:D3}";
            var error = "Error: payment amount does not add up, total is 120.00, requested 150.00";
            List<SessionEvent> events =
            [
                new MessageEvent { Role = "user", Text = "Refund my order" },
                new ToolCallEvent { CallId = "c1", ToolName = "refund", Arguments = "{\"amount\":150}" },
                new ToolResultEvent { CallId = "c1", ToolName = "refund", IsError = fails, Result = fails ? error : "refunded", ErrorMessage = fails ? error : null },
            ];
            var started = start.AddMinutes(i);
            sessions.Add(new SessionWithEvents(
                new SessionRecord
                {
                    Id = id,
                    AgentId = agentId,
                    Task = "Refund order",
                    Status = fails ? SessionStatus.Failed : SessionStatus.Completed,
                    StartedAt = started,
                    EndedAt = started.AddSeconds(30),
                    Outcome = fails ? SessionOutcome.Failed() : SessionOutcome.Succeeded(),
                },
                events.Select((e, n) => e with { SessionId = id, Sequence = n + 1, Timestamp = started }).ToList()));
        }

        return sessions;
    }
}
