namespace Dreaming;

/// <summary>What <see cref="FindingMiner"/> found in a set of finished sessions.</summary>
public sealed record MiningReport
{
    /// <summary>Gets the number of sessions read, including those skipped.</summary>
    public required long SessionsRead { get; init; }

    /// <summary>Gets the number of sessions mined: those whose outcome says whether they failed.</summary>
    public required long SessionsMined { get; init; }

    /// <summary>Gets the number of sessions skipped because they have no outcome.</summary>
    public required long SessionsWithoutOutcome { get; init; }

    /// <summary>Gets the number of sessions skipped because their outcome label is neither a success nor a failure (for example <c>needs_revision</c>).</summary>
    public required long SessionsWithUnknownLabel { get; init; }

    /// <summary>Gets the number of mined sessions that failed.</summary>
    public required long FailedSessions { get; init; }

    /// <summary>Gets <see cref="FailedSessions"/> / <see cref="SessionsMined"/>, the rate every finding is compared with; 0 when nothing was mined.</summary>
    public required double BaseFailureRate { get; init; }

    /// <summary>Gets the number of distinct patterns counted, reported or not.</summary>
    public required int PatternsCounted { get; init; }

    /// <summary>Gets how many pattern occurrences were not counted because <see cref="MiningOptions.MaxPatterns"/> distinct patterns were already tracked.</summary>
    public required long PatternOccurrencesNotCounted { get; init; }

    /// <summary>
    /// Gets the findings, at most <see cref="MiningOptions.MaxFindings"/>: those tied to failure first, strongest
    /// (<see cref="Finding.Strength"/>) first; then the efficiency costs, most wasted calls first.
    /// </summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>Gets how long the mining took, from the first session read to the ranked findings.</summary>
    public TimeSpan Elapsed { get; init; }
}
