namespace Dreaming;

/// <summary>A recurring pattern in finished sessions, with how strongly it is tied to failure and the sessions that show it.</summary>
/// <remarks>
/// The statistics count sessions, not occurrences: a session that hits the same error five times counts once in
/// <see cref="Sessions"/> and five times in <see cref="Occurrences"/>.
/// </remarks>
public sealed record Finding
{
    /// <summary>Gets the kind: one of <see cref="FindingKinds"/>; <see cref="FindingKinds.EfficiencyCost"/> when the pattern does not predict failure.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the kind of pattern: equal to <see cref="Kind"/>, except that an efficiency cost says here what recurs (for example <see cref="FindingKinds.ToolError"/>).</summary>
    public required string Pattern { get; init; }

    /// <summary>Gets the tool, for tool errors and repeated failing calls; otherwise <see langword="null"/>.</summary>
    public string? Tool { get; init; }

    /// <summary>
    /// Gets what identifies the pattern: the normalised error line (<see cref="ErrorSignature"/>), <c>a -&gt; b</c> for a
    /// tool sequence, <c>rubric/criterion</c> for a rubric criterion, <c>outcome: max_iterations_reached</c> and
    /// <c>finish_reason: length</c> for limits, or <c>blocked: </c> or <c>help_requested: </c> and the normalised reason or
    /// question for an agent that stopped itself (<see cref="FindingKinds.AgentStuck"/>).
    /// </summary>
    public required string Signature { get; init; }

    /// <summary>Gets the number of sessions with the pattern.</summary>
    public required int Sessions { get; init; }

    /// <summary>Gets the number of those sessions that failed.</summary>
    public required int FailedSessions { get; init; }

    /// <summary>Gets <see cref="FailedSessions"/> / <see cref="Sessions"/>.</summary>
    public required double FailureRate { get; init; }

    /// <summary>Gets <see cref="FailureRate"/> / <see cref="MiningReport.BaseFailureRate"/>: 1 means the pattern says nothing about failure (also when no session failed).</summary>
    public required double Lift { get; init; }

    /// <summary>Gets the lower bound of the 95% Wilson score interval of the failure rate: low when the count is small.</summary>
    public required double FailureRateLowerBound { get; init; }

    /// <summary>Gets the one-sided p-value of Fisher's exact test that failed sessions hold the pattern more often than successful ones by chance.</summary>
    public required double PValue { get; init; }

    /// <summary>
    /// Gets the ranking measure: <see cref="FailureRateLowerBound"/> / <see cref="MiningReport.BaseFailureRate"/>, the
    /// lift that still holds at 95% confidence (above 1: tied to failure even allowing for a small count); 0 when no session failed.
    /// </summary>
    public required double Strength { get; init; }

    /// <summary>Gets how many times the pattern occurred across all sessions (failing calls, repeats, failing verdicts, truncated responses, blocks and help requests).</summary>
    public required long Occurrences { get; init; }

    /// <summary>
    /// Gets the steps the pattern wasted: the failing calls of a tool error, the repeats beyond the first of a repeated
    /// failing call, the failing verdicts of a rubric criterion (each sends the work back), the truncated responses of a
    /// length limit and the iterations an agent ended blocked or asking for help (no work handed in); 0 for tool sequences
    /// and the iteration limit.
    /// </summary>
    public required long WastedCalls { get; init; }

    /// <summary>
    /// Gets the tokens of the model turns that asked for the wasted calls (a turn that asked for several calls is shared
    /// evenly), or of the truncated responses; 0 when the sessions recorded no model responses, as imported logs do not.
    /// </summary>
    public required long WastedTokens { get; init; }

    /// <summary>Gets one raw example, truncated: the error line (or the agent's reason or question) before normalisation, or the grader's reason for a criterion; <see langword="null"/> when none.</summary>
    public string? Example { get; init; }

    /// <summary>Gets whether the criterion of a <see cref="FindingKinds.RubricCriterion"/> finding is required: the latest
    /// verdict of it mined (by <see cref="SessionEvent.Timestamp"/>, met or not) recorded it so
    /// (<see cref="CriterionVerdictRecord.Required"/>), so a rubric that stopped requiring it is described as it is now; not
    /// meeting it fails the outcome whatever the score. <see langword="false"/> for other findings, and when no verdict
    /// recorded it (verdicts recorded before rubrics did say nothing either way).</summary>
    public bool RequiredCriterion { get; init; }

    /// <summary>Gets sessions that show the pattern, capped by <see cref="MiningOptions.MaxEvidence"/>: failed sessions first, or successful ones first for an efficiency cost.</summary>
    public required IReadOnlyList<FindingEvidence> Evidence { get; init; }
}
