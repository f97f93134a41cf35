namespace Dreaming;

/// <summary>A session together with its events in sequence order.</summary>
/// <param name="Session">The session.</param>
/// <param name="Events">Its events, ordered by <see cref="SessionEvent.Sequence"/>.</param>
public sealed record SessionWithEvents(SessionRecord Session, IReadOnlyList<SessionEvent> Events);
