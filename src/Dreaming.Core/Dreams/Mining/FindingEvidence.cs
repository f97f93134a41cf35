namespace Dreaming;

/// <summary>One session in which a finding's pattern occurred, and where.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="Failed">Whether the session failed.</param>
/// <param name="EventSequences">The <see cref="SessionEvent.Sequence"/> numbers of the events that show the pattern, in order (capped); empty when the pattern is the session's outcome.</param>
public sealed record FindingEvidence(string SessionId, bool Failed, IReadOnlyList<long> EventSequences);
