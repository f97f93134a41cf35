namespace Dreaming.Tests;

/// <summary>A store refuses an import as every built-in store does: the same words, naming <c>ImportAsync</c>'s parameter,
/// the first bad session or event in the order given, and nothing of the import kept. Held by the core tests (the in-memory
/// store, <c>InMemorySession.ForImport</c>), linked into the SQLite and PostgreSQL tests (src/Shared/SessionImportCheck.cs),
/// so the two checks cannot drift apart.</summary>
public abstract class ImportRefusalTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, SessionWithEvents?, string> Refused => new()
    {
        { "running", Running("r"), "Session 'r' is still running; only finished sessions can be imported." },
        { "another session's event", new SessionWithEvents(Finished("a"), [Message("b", 1)]), "Event 1 of session 'a' names session 'b'." },
        { "a sequence twice", new SessionWithEvents(Finished("a"), [Message("a", 1), Message("a", 1)]), "Session 'a' has two events with sequence 1." },
        { "null", null, "Value cannot be null." },
    };

    /// <summary>Imports with more than one bad thing, and the one each store names: sessions in the order given, a session's
    /// status before its events, its events in the order given.</summary>
    public static TheoryData<string, SessionWithEvents?[], string> FirstRefused => new()
    {
        { "a sequence twice, then another session's", [new SessionWithEvents(Finished("a"), [Message("a", 1), Message("a", 1), Message("b", 2)])], "Session 'a' has two events with sequence 1." },
        { "another session's, then a sequence twice", [new SessionWithEvents(Finished("a"), [Message("a", 1), Message("b", 2), Message("a", 1)])], "Event 2 of session 'a' names session 'b'." },
        { "running with another session's event", [new SessionWithEvents(Running("r").Session, [Message("b", 1)])], "Session 'r' is still running; only finished sessions can be imported." },
        { "a bad event, then a running session, then null", [new SessionWithEvents(Finished("a"), [Message("c", 1)]), Running("r"), null], "Event 1 of session 'a' names session 'c'." },
        { "a running session, then null", [Running("r"), null], "Session 'r' is still running; only finished sessions can be imported." },
        { "null, then a running session", [null, Running("r")], "Value cannot be null." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_refused_import_names_the_sessions_parameter_and_keeps_nothing(string what, SessionWithEvents? bad, string message)
    {
        var store = await CreateStoreAsync();
        try
        {
            var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ImportAsync([new SessionWithEvents(Finished("kept"), [Message("kept", 1)]), bad!]));

            Assert.True(error.ParamName == "sessions", $"{what}: ParamName '{error.ParamName}'");
            Assert.Equal($"{message} (Parameter 'sessions')", error.Message);
            Assert.Null(await store.GetSessionAsync("kept"));
        }
        finally
        {
            await DisposeAsync(store);
        }
    }

    [Theory]
    [MemberData(nameof(FirstRefused))]
    public async Task An_import_with_several_bad_sessions_is_refused_for_the_first_in_the_order_given(string what, SessionWithEvents?[] sessions, string message)
    {
        var store = await CreateStoreAsync();
        try
        {
            var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ImportAsync(sessions!));

            Assert.True(error.Message == $"{message} (Parameter 'sessions')", $"{what}: {error.Message}");
            Assert.Empty((await store.QuerySessionsAsync(new SessionQuery())).Items);
        }
        finally
        {
            await DisposeAsync(store);
        }
    }

    /// <summary>Makes an empty store of the kind under test.</summary>
    /// <returns>The store; the test disposes it.</returns>
    protected abstract Task<ITraceStore> CreateStoreAsync();

    private static async Task DisposeAsync(ITraceStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private static SessionRecord Finished(string id) =>
        new() { Id = id, AgentId = "bot", Task = "t", Status = SessionStatus.Completed, StartedAt = At, EndedAt = At.AddMinutes(1) };

    private static SessionWithEvents Running(string id) =>
        new(new SessionRecord { Id = id, AgentId = "bot", Task = "t", StartedAt = At }, []);

    private static MessageEvent Message(string sessionId, long sequence) =>
        new() { SessionId = sessionId, Sequence = sequence, Timestamp = At, Role = "user", Text = "hi" };
}
