namespace Dreaming.AgentView.Tests;

/// <summary>Sessions to show: records with usage and outcomes, stored through the trace store's own API.</summary>
internal static class TestSessions
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A session that started <paramref name="minute"/> minutes after <see cref="Start"/> and, unless running,
    /// ended 42 s later; a completed one succeeded with 0.92.</summary>
    public static SessionWithEvents Session(string id, SessionStatus status, int minute = 0, string task = "Answer the ticket", string agent = "support", IReadOnlyList<SessionEvent>? events = null) => new(
        new SessionRecord
        {
            Id = id,
            AgentId = agent,
            Task = task,
            Status = status,
            StartedAt = Start.AddMinutes(minute),
            EndedAt = status == SessionStatus.Running ? null : Start.AddMinutes(minute).AddSeconds(42),
            Usage = new SessionUsage { InputTokens = 1000, OutputTokens = 234, CostMinorUnits = 17, ModelCalls = 2 },
            Outcome = status == SessionStatus.Completed ? SessionOutcome.Succeeded(0.92) : null,
        },
        events ?? []);

    /// <summary>Stores the sessions: the finished ones imported, the running ones written as new sessions.</summary>
    public static async Task SeedAsync(this ITraceStore store, params SessionWithEvents[] sessions)
    {
        var finished = sessions.Where(s => s.Session.Status != SessionStatus.Running).ToList();
        if (finished.Count > 0)
        {
            await store.ImportAsync(finished);
        }

        foreach (var running in sessions.Where(s => s.Session.Status == SessionStatus.Running))
        {
            await store.WriteAsync(new TraceWriteBatch([running.Session with { EndedAt = null, Usage = SessionUsage.Zero }], running.Events));
        }
    }
}
