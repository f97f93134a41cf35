namespace Dreaming;

/// <summary>Decides from a session's outcome and status whether it failed, succeeded, or cannot be mined.</summary>
/// <remarks>Shared source, compiled into Core (mining, credit assignment) and the CLI (<c>dreaming report</c>'s pass rate),
/// so both count a pass the same way; internal in each.</remarks>
internal static class SessionVerdicts
{
    /// <summary>The outcome label of an outcome loop that ran out of iterations.</summary>
    public const string MaxIterationsReached = "max_iterations_reached";

    // Outcome-loop labels (OutcomeResultNames) next to the plain ones; needs_revision is not final and is not in either set.
    private static readonly HashSet<string> s_failureLabels = new(StringComparer.OrdinalIgnoreCase) { SessionOutcome.Failure, "failed", MaxIterationsReached, "interrupted" };
    private static readonly HashSet<string> s_successLabels = new(StringComparer.OrdinalIgnoreCase) { SessionOutcome.Success, "satisfied" };

    public static SessionVerdict Classify(SessionRecord session)
    {
        if (session.Outcome is not { } outcome)
        {
            return SessionVerdict.NoOutcome;
        }

        var label = outcome.Label?.Trim() ?? string.Empty;

        // A session that ended failed or blocked did not succeed, whatever its last grade said.
        if (s_failureLabels.Contains(label) || session.Status is SessionStatus.Failed or SessionStatus.Blocked)
        {
            return SessionVerdict.Failed;
        }

        return s_successLabels.Contains(label) ? SessionVerdict.Succeeded : SessionVerdict.UnknownLabel;
    }

    public static bool HitIterationLimit(SessionRecord session) =>
        string.Equals(session.Outcome?.Label?.Trim(), MaxIterationsReached, StringComparison.OrdinalIgnoreCase);
}
