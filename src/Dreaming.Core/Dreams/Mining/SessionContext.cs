namespace Dreaming;

/// <summary>The session a pattern occurrence belongs to.</summary>
/// <param name="Ordinal">The 0-based position of the session among the mined ones: tells a pattern's first occurrence in a session from the next.</param>
/// <param name="SessionId">The session id.</param>
/// <param name="Failed">Whether the session failed.</param>
/// <param name="Earlier">Whether an earlier dream already read the session (a dream's lookback): it adds support, but a
/// pattern seen only in such sessions is not reported.</param>
/// <param name="Scope">The session's team scope, or <see langword="null"/> when it has none (<see cref="ScopeOf"/>).</param>
internal readonly record struct SessionContext(long Ordinal, string SessionId, bool Failed, bool Earlier = false, string? Scope = null)
{
    /// <summary>Gets the session's team scope as <see cref="MiningOptions.MinScopes"/> counts it: <see langword="null"/>
    /// when it is null, empty or white space, as <c>UseDreaming()</c> then gives the session no team's memory.</summary>
    public static string? ScopeOf(SessionRecord session) => string.IsNullOrWhiteSpace(session.Scope) ? null : session.Scope;
}
