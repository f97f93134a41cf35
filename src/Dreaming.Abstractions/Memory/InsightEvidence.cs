namespace Dreaming;

/// <summary>A session, and optionally one of its events, that taught an <see cref="Insight"/>.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="EventSequence">The <see cref="SessionEvent.Sequence"/> of the event, or <see langword="null"/> for the session as a whole.</param>
public sealed record InsightEvidence(string SessionId, long? EventSequence = null)
{
    /// <summary>Returns <c>session</c> or <c>session#sequence</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        EventSequence is { } sequence ? SessionId + "#" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : SessionId;
}
