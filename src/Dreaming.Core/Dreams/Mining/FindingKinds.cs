namespace Dreaming;

/// <summary>The kinds of <see cref="Finding"/> the miner reports (<see cref="Finding.Kind"/> and <see cref="Finding.Pattern"/>).</summary>
public static class FindingKinds
{
    /// <summary>A tool failed with the same error signature in several sessions.</summary>
    public const string ToolError = "tool_error";

    /// <summary>The same tool was called with the same arguments and failed the same way at least twice in a session: a loop or dead end.</summary>
    public const string RepeatedFailingCall = "repeated_failing_call";

    /// <summary>Two tools called one after the other (<c>a -&gt; b</c>) far more often in failed sessions than in successful ones.</summary>
    public const string ToolSequence = "tool_sequence";

    /// <summary>A rubric criterion judged <c>not_met</c> or <c>partially_met</c> in several sessions; never a report-only one
    /// (<see cref="CriterionVerdictRecord.IsReportOnly"/>), which fails no iteration.</summary>
    public const string RubricCriterion = "rubric_criterion";

    /// <summary>An iteration or output limit was hit: the outcome loop ran out of iterations, or a response stopped at its length limit.</summary>
    public const string LimitHit = "limit_hit";

    /// <summary>
    /// An agent (an outcome loop's, or an orchestration item's) stopped itself the same way in several sessions: it
    /// reported itself blocked (<see cref="AgentBlockedException"/>; signature <c>blocked: </c> and the normalised reason) or
    /// asked for help (<see cref="AgentNeedsHelpException"/>; <c>help_requested: </c> and the normalised question), read from the loop's
    /// <c>outcome.blocked</c> and <c>outcome.help_requested</c> notes, or from the <see cref="ErrorEvent"/> (operation
    /// <c>orchestration.item</c>) that ended an orchestration item's attempt when it has no rubric. A recurring block is a
    /// dead end; a recurring question, something the agent keeps lacking.
    /// </summary>
    public const string AgentStuck = "agent_stuck";

    /// <summary>
    /// A pattern that recurs in sessions that still succeed about as often as in failed ones: it costs steps and tokens
    /// but does not predict failure, so it may teach efficiency, never correctness. <see cref="Finding.Pattern"/> says which pattern.
    /// </summary>
    public const string EfficiencyCost = "efficiency_cost";
}
