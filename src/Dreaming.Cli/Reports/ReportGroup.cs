namespace Dreaming.Cli.Reports;

/// <summary>One row of <c>dreaming report</c>: the ended sessions of one agent that were given one memory version, one
/// combination of versions (the agent's own, its team's, the global one), or none, with the counts and sums their means
/// come from.</summary>
/// <remarks>Not thread-safe: the report is built by one command, one session at a time.</remarks>
internal sealed class ReportGroup
{
    /// <summary>Creates an empty group.</summary>
    /// <param name="versions">The memory versions the sessions were given, in order; empty for none.</param>
    public ReportGroup(IReadOnlyList<ReportVersion> versions) => Versions = versions;

    /// <summary>Gets the memory versions the sessions were given: empty for none, one for a session given one version (as
    /// every session was before team and global memory), several for a session given its agent's, its team's and the
    /// global memory.</summary>
    public IReadOnlyList<ReportVersion> Versions { get; }

    /// <summary>Gets the first memory version the sessions were given (the agent's own when they were given it), or
    /// <see langword="null"/> for none.</summary>
    public string? VersionId => Versions.Count == 0 ? null : Versions[0].Id;

    /// <summary>Gets the first version as the memory store knows it, or <see langword="null"/> when there is none, or the
    /// store does not know the id (a version of another database, or an id the host made up).</summary>
    public MemoryVersionSummary? Version => Versions.Count == 0 ? null : Versions[0].Version;

    /// <summary>Gets whether the first version belongs to a scope other than the agent's own (a team's, the global one).</summary>
    public bool OtherScope => Versions.Count > 0 && Versions[0].OtherScope;

    public long Sessions { get; private set; }

    /// <summary>Gets the sessions that ended <c>failed</c> or <c>blocked</c>: the agent did not finish its task.</summary>
    public long Failed { get; private set; }

    /// <summary>Gets the sessions that ended <c>abandoned</c>: the host stopped or crashed before it completed them.</summary>
    public long Abandoned { get; private set; }

    public long WithOutcome { get; private set; }

    /// <summary>Gets the sessions with an outcome that counts as a pass (see <see cref="SessionVerdicts"/>: a success or
    /// satisfied label on a session that did not end failed or blocked), as dreaming itself counts them.</summary>
    public long Passed { get; private set; }

    public long Scored { get; private set; }

    public double ScoreSum { get; private set; }

    public long Tokens { get; private set; }

    public long Cost { get; private set; }

    /// <summary>Gets the ended child sessions (<see cref="SessionRecord.ParentSessionId"/>: an orchestration's items, a
    /// sub-agent's sessions) of the group's sessions. They count in their own agents' groups too, so their usage is never
    /// part of <see cref="Tokens"/> or <see cref="Cost"/>: an orchestration run's own session holds only its coordinator's
    /// calls.</summary>
    public long ChildSessions { get; private set; }

    /// <summary>Gets the input and output tokens of <see cref="ChildSessions"/>.</summary>
    public long ChildTokens { get; private set; }

    /// <summary>Gets the cost of <see cref="ChildSessions"/> in minor units.</summary>
    public long ChildCost { get; private set; }

    public DateTimeOffset FirstStartedAt { get; private set; } = DateTimeOffset.MaxValue;

    public DateTimeOffset LastStartedAt { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Gets the share of the sessions with an outcome that passed, or <see langword="null"/> when none has one.</summary>
    public double? PassRate => WithOutcome == 0 ? null : (double)Passed / WithOutcome;

    /// <summary>Gets the mean outcome score of the sessions whose outcome has one, or <see langword="null"/> when none has.</summary>
    public double? MeanScore => Scored == 0 ? null : ScoreSum / Scored;

    /// <summary>Gets the mean input and output tokens a session, or 0 for no sessions.</summary>
    public double MeanTokens => Sessions == 0 ? 0 : (double)Tokens / Sessions;

    /// <summary>Gets the mean cost a session in minor units, or 0 for no sessions.</summary>
    public double MeanCost => Sessions == 0 ? 0 : (double)Cost / Sessions;

    /// <summary>Counts an ended session.</summary>
    /// <param name="session">The session; it has ended.</param>
    public void Add(SessionRecord session)
    {
        Sessions++;
        Failed += session.Status is SessionStatus.Failed or SessionStatus.Blocked ? 1 : 0;
        Abandoned += session.Status is SessionStatus.Abandoned ? 1 : 0;
        if (session.Outcome is { } outcome)
        {
            WithOutcome++;
            Passed += SessionVerdicts.Classify(session) == SessionVerdict.Succeeded ? 1 : 0;
            if (outcome.Score is { } score && double.IsFinite(score))
            {
                Scored++;
                ScoreSum += score;
            }
        }

        // Saturating, as SessionUsage's sums: a session priced at long.MaxValue ("unknown") does not wrap the row negative.
        Tokens = SaturatingSum.Add(Tokens, session.Usage.TotalTokens);
        Cost = SaturatingSum.Add(Cost, session.Usage.CostMinorUnits);
        FirstStartedAt = session.StartedAt < FirstStartedAt ? session.StartedAt : FirstStartedAt;
        LastStartedAt = session.StartedAt > LastStartedAt ? session.StartedAt : LastStartedAt;
    }

    /// <summary>Counts an ended child session of one of the group's sessions (it is counted in its own group too).</summary>
    /// <param name="child">The child session; it has ended.</param>
    public void AddChild(SessionRecord child)
    {
        ChildSessions++;
        ChildTokens = SaturatingSum.Add(ChildTokens, child.Usage.TotalTokens);
        ChildCost = SaturatingSum.Add(ChildCost, child.Usage.CostMinorUnits);
    }
}
