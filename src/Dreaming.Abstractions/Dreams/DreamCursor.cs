namespace Dreaming;

/// <summary>Where a dream stopped reading: the end time and id of the last session it read, in the order
/// <c>(EndedAt, SessionId)</c>. The next dream of the scope selects sessions that come after it.</summary>
/// <param name="EndedAt">When the last session read ended; stores keep UTC milliseconds.</param>
/// <param name="SessionId">The id of that session, which breaks ties between sessions that ended in the same millisecond.</param>
public sealed record DreamCursor(DateTimeOffset EndedAt, string SessionId);
