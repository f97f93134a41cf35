namespace Dreaming;

/// <summary>A finding of the mining stage as a dream's report keeps it: the pattern, its statistics and its evidence.</summary>
/// <remarks>The fields copy those of the miner's <c>Finding</c> (in Dreaming.Core), so that a report stays readable without
/// the miner and every lesson can be traced to the sessions behind it. Statistics count sessions, not occurrences.</remarks>
public sealed record DreamFinding
{
    /// <summary>Gets the kind, such as <c>tool_error</c> or <c>efficiency_cost</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets what recurs: equal to <see cref="Kind"/>, except for an efficiency cost.</summary>
    public required string Pattern { get; init; }

    /// <summary>Gets the tool, for tool errors and repeated failing calls; otherwise <see langword="null"/>.</summary>
    public string? Tool { get; init; }

    /// <summary>Gets what identifies the pattern, such as the normalised error line.</summary>
    public required string Signature { get; init; }

    /// <summary>Gets the number of sessions with the pattern.</summary>
    public int Sessions { get; init; }

    /// <summary>Gets the number of those sessions that failed.</summary>
    public int FailedSessions { get; init; }

    /// <summary>Gets <see cref="FailedSessions"/> / <see cref="Sessions"/>.</summary>
    public double FailureRate { get; init; }

    /// <summary>Gets the failure rate over the base failure rate of the sessions read.</summary>
    public double Lift { get; init; }

    /// <summary>Gets the lower bound of the 95% Wilson score interval of the failure rate.</summary>
    public double FailureRateLowerBound { get; init; }

    /// <summary>Gets the one-sided p-value of Fisher's exact test.</summary>
    public double PValue { get; init; }

    /// <summary>Gets the ranking measure: the lift that still holds at 95% confidence.</summary>
    public double Strength { get; init; }

    /// <summary>Gets how many times the pattern occurred across all sessions.</summary>
    public long Occurrences { get; init; }

    /// <summary>Gets the steps the pattern wasted.</summary>
    public long WastedCalls { get; init; }

    /// <summary>Gets the tokens of the model turns that asked for the wasted calls.</summary>
    public long WastedTokens { get; init; }

    /// <summary>Gets one raw example, truncated, or <see langword="null"/>.</summary>
    public string? Example { get; init; }

    /// <summary>Gets sessions that show the pattern (capped by the miner).</summary>
    public IReadOnlyList<DreamFindingEvidence> Evidence { get; init; } = [];
}
