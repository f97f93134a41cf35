using System.Globalization;

namespace Dreaming;

/// <summary>What a dream has read and produced so far: recorded while it runs, kept when it fails, final when it completes.</summary>
/// <remarks>Each of <see cref="IDreamRunStore.UpdateProgressAsync"/>, <see cref="IDreamRunStore.CompleteAsync"/> and
/// <see cref="IDreamRunStore.FailAsync"/> replaces the results as a whole, so the writer sends everything it has.</remarks>
public sealed record DreamRunResults
{
    /// <summary>Gets results with nothing in them, as a run starts.</summary>
    public static DreamRunResults Empty { get; } = new();

    /// <summary>Gets the memory version the dream started from, or <see langword="null"/> when the scope had no memory yet.
    /// The dream never modifies it.</summary>
    public string? InputVersionId { get; init; }

    /// <summary>Gets the ids of the sessions read, at most the request's <see cref="DreamRunRequest.MaxSessions"/>.</summary>
    public IReadOnlyList<string> SessionIds { get; init; } = [];

    /// <summary>Gets where the dream stopped reading, for the next dream of the scope; <see langword="null"/> when it read nothing.</summary>
    public DreamCursor? Cursor { get; init; }

    /// <summary>Gets the token usage and duration of each stage run so far, in order.</summary>
    public IReadOnlyList<DreamStageUsage> StageUsage { get; init; } = [];

    /// <summary>Gets the findings and changes.</summary>
    public DreamReport Report { get; init; } = DreamReport.Empty;

    /// <summary>Gets the memory version the dream wrote, or <see langword="null"/> when it wrote none.</summary>
    public string? OutputVersionId { get; init; }

    /// <summary>Gets a note on the outcome, such as <c>not enough sessions (4 &lt; 10)</c>.</summary>
    public string? Note { get; init; }

    /// <summary>Gets a value indicating whether the dream reached its <see cref="DreamRunRequest.TokenBudget"/> and stopped
    /// calling models; <see cref="Note"/> says where.</summary>
    public bool BudgetReached { get; init; }

    /// <summary>Gets the token usage of every stage together.</summary>
    public SessionUsage TotalUsage => StageUsage.Aggregate(SessionUsage.Zero, (total, stage) => total.Add(stage.Usage));

    /// <summary>Gets the tokens counted against <see cref="DreamRunRequest.TokenBudget"/>: the reported tokens of every stage
    /// (<see cref="TotalUsage"/>) plus those estimated for model calls that reported none
    /// (<see cref="DreamStageUsage.EstimatedTokens"/>). This is the figure that stopped a dream at its budget. It stops at
    /// <see cref="long.MaxValue"/> instead of wrapping, as every usage sum does.</summary>
    public long BudgetTokensUsed => StageUsage.Aggregate(TotalUsage.TotalTokens, static (total, stage) => SaturatingSum.Add(total, stage.EstimatedTokens));

    /// <summary>Gets a value indicating whether <see cref="BudgetTokensUsed"/> includes estimated tokens.</summary>
    public bool BudgetTokensEstimated => StageUsage.Any(stage => stage.EstimatedTokens > 0);

    /// <summary>Checks the results against the run's request, as stores do before recording them.</summary>
    /// <param name="request">The request of the run.</param>
    /// <exception cref="ArgumentException">A field is missing or invalid, or more sessions were read than the request allows;
    /// the message names the problem.</exception>
    public void Validate(DreamRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(SessionIds, nameof(SessionIds));
        ArgumentNullException.ThrowIfNull(StageUsage, nameof(StageUsage));
        ArgumentNullException.ThrowIfNull(Report, nameof(Report));
        ArgumentNullException.ThrowIfNull(Report.Findings, nameof(Report.Findings));
        ArgumentNullException.ThrowIfNull(Report.Changes, nameof(Report.Changes));
        if (SessionIds.Count > request.MaxSessions)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The dream read {SessionIds.Count} sessions, more than its MaxSessions ({request.MaxSessions})."));
        }

        var problem = this switch
        {
            _ when SessionIds.Any(string.IsNullOrWhiteSpace) => "SessionIds holds a blank id",
            _ when Cursor is not null && string.IsNullOrWhiteSpace(Cursor.SessionId) => "Cursor has no session id",
            _ when StageUsage.Any(stage => stage is null || string.IsNullOrWhiteSpace(stage.Stage) || stage.Usage is null || stage.Duration < TimeSpan.Zero) =>
                "StageUsage holds a stage without a name or usage, or with a negative duration",
            _ when Report.Findings.Any(finding => finding is null || finding.Evidence is null || finding.Evidence.Any(item => item?.EventSequences is null)) =>
                "Report.Findings holds a finding that is null or has incomplete evidence",
            _ when Report.Changes.Any(change => change is null || !Enum.IsDefined(change.Op) || string.IsNullOrWhiteSpace(change.InsightId)) =>
                "Report.Changes holds a change that is null, has an undefined op or has no insight id",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"The dream results are invalid: {problem}.");
        }
    }
}
