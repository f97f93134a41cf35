namespace Dreaming;

/// <summary>What one finished session says about an insight it was given: it saw it, and it passed or failed.</summary>
/// <param name="InsightId">The insight given to the session.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Helpful">Whether the session passed and, when the session cited insights, cited this one.</param>
/// <param name="Harmful">Whether the session failed in the way the insight was about (with an error of a tool it names,
/// or, for an insight about no tool, at all), or failed after citing it.</param>
/// <param name="Cited">Whether the model cited the insight in the session.</param>
public sealed record InsightCredit(string InsightId, string SessionId, bool Helpful, bool Harmful, bool Cited = false);
