namespace Dreaming;

/// <summary>One session that shows a <see cref="DreamFinding"/>'s pattern, and where.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="Failed">Whether the session failed.</param>
/// <param name="EventSequences">The <see cref="SessionEvent.Sequence"/> numbers of the events that show the pattern; empty when
/// the pattern is the session's outcome.</param>
public sealed record DreamFindingEvidence(string SessionId, bool Failed, IReadOnlyList<long> EventSequences);
