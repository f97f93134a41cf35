using System.Text.Json;
using Xunit;

namespace Dreaming.Testing;

/// <summary>Compares what a store returns with what it was given, at the precision stores are allowed to keep.</summary>
internal static class StoreAssert
{
    /// <summary>Truncates to whole milliseconds and drops the offset, because stores may keep UTC milliseconds only.</summary>
    public static DateTimeOffset Milliseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static DateTimeOffset? Milliseconds(DateTimeOffset? value) => value is { } time ? Milliseconds(time) : null;

    /// <summary>Checks every field of a session read back, naming the session and the first field that differs.</summary>
    public static void SessionEqual(SessionRecord expected, SessionRecord? actual, long expectedEventCount)
    {
        if (actual is null)
        {
            Assert.Fail($"Session '{expected.Id}' was not found, but it should have been stored.");
        }

        Field(expected.Id, nameof(SessionRecord.Id), expected.Id, actual.Id);
        Field(expected.Id, nameof(SessionRecord.AgentId), expected.AgentId, actual.AgentId);
        Field(expected.Id, nameof(SessionRecord.AgentVersion), expected.AgentVersion, actual.AgentVersion);
        Field(expected.Id, nameof(SessionRecord.Scope), expected.Scope, actual.Scope);
        Field(expected.Id, nameof(SessionRecord.Task), expected.Task, actual.Task);
        Field(expected.Id, nameof(SessionRecord.ParentSessionId), expected.ParentSessionId, actual.ParentSessionId);
        Field(expected.Id, nameof(SessionRecord.Status), expected.Status, actual.Status);
        Field(expected.Id, nameof(SessionRecord.StartedAt) + " (UTC, to the millisecond)", Milliseconds(expected.StartedAt), Milliseconds(actual.StartedAt));
        Field(expected.Id, nameof(SessionRecord.EndedAt) + " (UTC, to the millisecond)", Milliseconds(expected.EndedAt), Milliseconds(actual.EndedAt));
        Field(expected.Id, nameof(SessionRecord.Usage), expected.Usage, actual.Usage);
        Field(expected.Id, nameof(SessionRecord.MemoryVersionId), expected.MemoryVersionId, actual.MemoryVersionId);
        Field(expected.Id, nameof(SessionRecord.InsightIds), List(expected.InsightIds), List(actual.InsightIds));
        Field(
            expected.Id,
            nameof(SessionRecord.Metadata),
            List(expected.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Key + "=" + pair.Value)),
            List(actual.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Key + "=" + pair.Value)));
        Field(expected.Id, nameof(SessionRecord.Outcome), expected.Outcome, actual.Outcome);
        Field(expected.Id, nameof(SessionRecord.DroppedEventCount), expected.DroppedEventCount, actual.DroppedEventCount);
        Field(expected.Id, nameof(SessionRecord.EventCount) + " (the number of events stored for it)", expectedEventCount, actual.EventCount);
    }

    private static void Field<T>(string sessionId, string field, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            Assert.Fail($"Session '{sessionId}' came back with {field} {Show(actual)}; expected {Show(expected)}.");
        }
    }

    /// <summary>A list written out, so that two lists compare by their items.</summary>
    private static Listed List(IEnumerable<string> items) => new("[" + string.Join(", ", items.Select(item => JsonSerializer.Serialize(item))) + "]");

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string text => JsonSerializer.Serialize(text),
        DateTimeOffset time => time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };

    // Compared as their JSON form plus the envelope: records compare collections by reference, and a store returns
    // new collections.
    public static void EventsEqual(IEnumerable<SessionEvent> expected, IEnumerable<SessionEvent> actual) =>
        Assert.Equal(expected.Select(Normalize), actual.Select(Normalize));

    private static string Normalize(SessionEvent sessionEvent) =>
        $"{sessionEvent.SessionId}#{sessionEvent.Sequence}@{Milliseconds(sessionEvent.Timestamp):O} {sessionEvent.EventType} {JsonSerializer.Serialize(sessionEvent)}";

    /// <summary>Checks that a member given a cancelled token throws <see cref="OperationCanceledException"/>, naming the
    /// member when it completes instead.</summary>
    public static async Task CanceledAsync(string member, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Assert.Fail($"{member} given a cancelled token completed instead of throwing OperationCanceledException.");
    }

    public static void Ids(IEnumerable<string> expected, IEnumerable<SessionRecord> actual) =>
        Assert.Equal(expected, actual.Select(session => session.Id));

    private readonly record struct Listed(string Text)
    {
        public override string ToString() => Text;
    }
}
