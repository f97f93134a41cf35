namespace Dreaming;

/// <summary>Sessions to create and events to append in one atomic store write.</summary>
/// <param name="NewSessions">The sessions to create, written before the events.</param>
/// <param name="Events">The events to append, in the order they were recorded.</param>
public sealed record TraceWriteBatch(IReadOnlyList<SessionRecord> NewSessions, IReadOnlyList<SessionEvent> Events)
{
    /// <summary>Gets a batch of events only.</summary>
    /// <param name="events">The events.</param>
    /// <returns>The batch.</returns>
    public static TraceWriteBatch OfEvents(IReadOnlyList<SessionEvent> events) => new([], events);
}
