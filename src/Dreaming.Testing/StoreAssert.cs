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

    public static void SessionEqual(SessionRecord expected, SessionRecord? actual, long expectedEventCount)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.AgentId, actual.AgentId);
        Assert.Equal(expected.AgentVersion, actual.AgentVersion);
        Assert.Equal(expected.Scope, actual.Scope);
        Assert.Equal(expected.Task, actual.Task);
        Assert.Equal(expected.ParentSessionId, actual.ParentSessionId);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(Milliseconds(expected.StartedAt), Milliseconds(actual.StartedAt));
        Assert.Equal(Milliseconds(expected.EndedAt), Milliseconds(actual.EndedAt));
        Assert.Equal(expected.Usage, actual.Usage);
        Assert.Equal(expected.MemoryVersionId, actual.MemoryVersionId);
        Assert.Equal(expected.InsightIds, actual.InsightIds);
        Assert.Equal(
            expected.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal),
            actual.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal));
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.Equal(expected.DroppedEventCount, actual.DroppedEventCount);
        Assert.Equal(expectedEventCount, actual.EventCount);
    }

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
}
