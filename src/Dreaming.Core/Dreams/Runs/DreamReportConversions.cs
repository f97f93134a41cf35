namespace Dreaming;

/// <summary>Turns what the miner found into the records a dream run keeps.</summary>
public static class DreamReportConversions
{
    /// <summary>Copies a finding of the miner into the form a dream's report keeps.</summary>
    /// <param name="finding">The finding.</param>
    /// <returns>The finding as a report keeps it.</returns>
    public static DreamFinding ToDreamFinding(this Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return new DreamFinding
        {
            Kind = finding.Kind,
            Pattern = finding.Pattern,
            Tool = finding.Tool,
            Signature = finding.Signature,
            Sessions = finding.Sessions,
            FailedSessions = finding.FailedSessions,
            FailureRate = finding.FailureRate,
            Lift = finding.Lift,
            FailureRateLowerBound = finding.FailureRateLowerBound,
            PValue = finding.PValue,
            Strength = finding.Strength,
            Occurrences = finding.Occurrences,
            WastedCalls = finding.WastedCalls,
            WastedTokens = finding.WastedTokens,
            Example = finding.Example,
            Evidence = finding.Evidence.Select(item => new DreamFindingEvidence(item.SessionId, item.Failed, item.EventSequences)).ToArray(),
        };
    }

    /// <summary>Starts a dream's report from a mining report: its counts and its findings, in the miner's order, with no changes yet.</summary>
    /// <param name="report">The mining report.</param>
    /// <returns>The dream report; add the changes with <c>with { Changes = ... }</c>.</returns>
    public static DreamReport ToDreamReport(this MiningReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new DreamReport
        {
            SessionsMined = report.SessionsMined,
            FailedSessions = report.FailedSessions,
            BaseFailureRate = report.BaseFailureRate,
            Findings = report.Findings.Select(ToDreamFinding).ToArray(),
        };
    }
}
