namespace Dreaming;

/// <summary>What a dream found and what it changed, each change with its reason.</summary>
public sealed record DreamReport
{
    /// <summary>Gets a report with nothing in it, as a run starts.</summary>
    public static DreamReport Empty { get; } = new();

    /// <summary>Gets the number of sessions mined: those whose outcome says whether they failed.</summary>
    /// <remarks>With a <see cref="DreamRunRequest.Lookback"/> it counts the earlier sessions mined again too, as do
    /// <see cref="FailedSessions"/> and <see cref="BaseFailureRate"/>, while <see cref="DreamRunResults.SessionIds"/> names
    /// the new sessions only.</remarks>
    public long SessionsMined { get; init; }

    /// <summary>Gets the number of mined sessions that failed.</summary>
    public long FailedSessions { get; init; }

    /// <summary>Gets <see cref="FailedSessions"/> / <see cref="SessionsMined"/>, the rate every finding is compared with.</summary>
    public double BaseFailureRate { get; init; }

    /// <summary>Gets the findings, strongest first.</summary>
    public IReadOnlyList<DreamFinding> Findings { get; init; } = [];

    /// <summary>Gets every change made to the memory, in the order it was made.</summary>
    public IReadOnlyList<DreamChange> Changes { get; init; } = [];
}
