namespace Dreaming.AgentView.Tests;

/// <summary>Events for a session's timeline: numbered from 1, each a second after the previous one from the session's
/// start unless it sets its own time.</summary>
internal static class TestEvents
{
    /// <summary>Hostile text: markup, quotes, an ampersand, a lone surrogate and a NUL.</summary>
    public const string Hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> \"q\" & \ud800 \0 end";

    /// <summary>What <see cref="Hostile"/> reads as once parsed: a lone surrogate and a NUL are encoded as U+FFFD.</summary>
    public static readonly string HostileAsParsed = Hostile.Replace('\ud800', '\ufffd').Replace('\0', '\ufffd');

    /// <summary>Numbers the events and times them <paramref name="start"/> plus their position in seconds.</summary>
    public static IReadOnlyList<SessionEvent> Numbered(DateTimeOffset start, params SessionEvent[] events) =>
        [.. events.Select((e, i) => e with { Sequence = i + 1, Timestamp = e.Timestamp == default ? start.AddSeconds(i + 1) : e.Timestamp })];

    /// <summary>A completed session with every header field set and the given events.</summary>
    public static SessionWithEvents Full(string id, string task, params SessionEvent[] events)
    {
        var start = TestSessions.Start;
        return new SessionWithEvents(
            new SessionRecord
            {
                Id = id,
                AgentId = "support",
                AgentVersion = "v7",
                Scope = "billing",
                Task = task,
                Status = SessionStatus.Completed,
                StartedAt = start,
                EndedAt = start.AddSeconds(95),
                Usage = new SessionUsage { InputTokens = 1200, OutputTokens = 300, CachedInputTokens = 800, ModelCalls = 3, CostMinorUnits = 4500 },
                Outcome = new SessionOutcome { Label = "satisfied", Score = 0.7496, Source = "rubric:refund@2" },
                MemoryVersionId = "mv-1",
                InsightIds = ["ins-1", "ins-2"],
                Metadata = new Dictionary<string, string> { ["ticket"] = "T-42", ["channel"] = "email" },
                ParentSessionId = "parent-1",
                DroppedEventCount = 3,
            },
            Numbered(start, events));
    }
}
