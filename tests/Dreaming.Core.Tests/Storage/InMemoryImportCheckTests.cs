namespace Dreaming.Tests;

/// <summary>The in-memory store refuses an import as the SQLite and PostgreSQL stores do: the same words, naming
/// <c>ImportAsync</c>'s parameter, and nothing of the import kept.</summary>
public sealed class InMemoryImportCheckTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, SessionWithEvents?, string> Refused => new()
    {
        { "running", new SessionWithEvents(new SessionRecord { Id = "r", AgentId = "bot", Task = "t", StartedAt = At }, []), "Session 'r' is still running; only finished sessions can be imported." },
        { "another session's event", new SessionWithEvents(Finished("a"), [Message("b", 1)]), "Event 1 of session 'a' names session 'b'." },
        { "a sequence twice", new SessionWithEvents(Finished("a"), [Message("a", 1), Message("a", 1)]), "Session 'a' has two events with sequence 1." },
        { "null", null, "Value cannot be null." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_refused_import_names_the_sessions_parameter_and_keeps_nothing(string what, SessionWithEvents? bad, string message)
    {
        var store = new InMemoryTraceStore();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ImportAsync([new SessionWithEvents(Finished("kept"), [Message("kept", 1)]), bad!]));

        Assert.True(error.ParamName == "sessions", $"{what}: ParamName '{error.ParamName}'");
        Assert.Equal($"{message} (Parameter 'sessions')", error.Message);
        Assert.Null(await store.GetSessionAsync("kept"));
    }

    private static SessionRecord Finished(string id) =>
        new() { Id = id, AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At.AddMinutes(1) };

    private static MessageEvent Message(string sessionId, long sequence) =>
        new() { SessionId = sessionId, Sequence = sequence, Timestamp = At, Role = "user", Text = "hi" };
}
