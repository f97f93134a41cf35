namespace Dreaming;

/// <summary>Turns counted patterns into findings: computes their statistics, decides whether each is tied to failure or only a cost, and ranks them.</summary>
internal static class FindingRanker
{
    public static List<Finding> Rank(PatternTable table, long mined, long failed, MiningOptions options)
    {
        var patterns = table.Patterns;
        var baseRate = mined > 0 ? (double)failed / mined : 0;
        var candidates = patterns
            .Where(pattern => pattern.Sessions >= options.MinSupport)
            .Select(pattern => (Pattern: pattern, PValue: MiningStatistics.FisherGreaterPValue(pattern.FailedSessions, pattern.Sessions, failed, mined)))
            .ToList();
        var sequenceThreshold = SequencePValueThreshold(candidates, options.SequenceFalseDiscoveryRate);
        var tied = new List<Finding>();
        var costs = new List<Finding>();
        foreach (var (pattern, pValue) in candidates)
        {
            // Seen only in sessions earlier dreams read (a lookback): nothing new says it, so it is not found again. It
            // still counted among the sequences tested above, which keeps the false discovery rate as strict as before.
            if (pattern.NewSessions == 0)
            {
                continue;
            }

            // Seen in fewer tenants than MinScopes: one tenant's situation, not to be learnt for all (counted above alike).
            if (!pattern.EnoughScopes)
            {
                continue;
            }

            var rate = (double)pattern.FailedSessions / pattern.Sessions;
            var isTied = IsTiedToFailure(pattern, rate, baseRate, options)
                && (pattern.Key.Pattern != FindingKinds.ToolSequence || pValue <= sequenceThreshold);

            // A sequence of tools costs nothing by itself; only recurring problems can be a cost.
            var isCost = !isTied && pattern.Key.Pattern != FindingKinds.ToolSequence && pattern.FailedSessions < pattern.Sessions;
            if (isTied || isCost)
            {
                (isTied ? tied : costs).Add(ToFinding(pattern, rate, pValue, baseRate, isTied, table));
            }
        }

        tied.Sort(static (a, b) => FirstNonZero(
            b.Strength.CompareTo(a.Strength),
            a.PValue.CompareTo(b.PValue),
            b.Sessions.CompareTo(a.Sessions),
            CompareIdentity(a, b)));
        costs.Sort(static (a, b) => FirstNonZero(
            b.WastedCalls.CompareTo(a.WastedCalls),
            b.Sessions.CompareTo(a.Sessions),
            b.Occurrences.CompareTo(a.Occurrences),
            CompareIdentity(a, b)));
        return [.. tied.Concat(costs).Take(options.MaxFindings)];
    }

    private static bool IsTiedToFailure(PatternAccumulator pattern, double rate, double baseRate, MiningOptions options)
    {
        // When most sessions fail, the lift cannot reach MinLift; then only a pattern that always fails qualifies.
        return pattern.FailedSessions > 0 && rate > baseRate && rate >= Math.Min(1, baseRate * options.MinLift);
    }

    /// <summary>Returns the largest p-value at which a tool sequence is reported: the Benjamini–Hochberg cut-off over every sequence tested, or -1 when none passes.</summary>
    private static double SequencePValueThreshold(List<(PatternAccumulator Pattern, double PValue)> candidates, double falseDiscoveryRate)
    {
        var pValues = candidates.Where(c => c.Pattern.Key.Pattern == FindingKinds.ToolSequence).Select(c => c.PValue).Order().ToList();
        var threshold = -1.0;
        for (var i = 0; i < pValues.Count; i++)
        {
            if (pValues[i] <= (i + 1) * falseDiscoveryRate / pValues.Count)
            {
                threshold = pValues[i];
            }
        }

        return threshold;
    }

    private static Finding ToFinding(PatternAccumulator pattern, double rate, double pValue, double baseRate, bool tied, PatternTable table)
    {
        var lowerBound = MiningStatistics.WilsonLowerBound(pattern.FailedSessions, pattern.Sessions);
        return new Finding
        {
            Kind = tied ? pattern.Key.Pattern : FindingKinds.EfficiencyCost,
            Pattern = pattern.Key.Pattern,
            Tool = pattern.Key.Tool,
            Signature = pattern.Key.Signature,
            Sessions = pattern.Sessions,
            FailedSessions = pattern.FailedSessions,
            FailureRate = rate,
            Lift = baseRate > 0 ? rate / baseRate : 1,
            FailureRateLowerBound = lowerBound,
            PValue = pValue,
            Strength = baseRate > 0 ? lowerBound / baseRate : 0,
            Occurrences = pattern.Occurrences,
            WastedCalls = pattern.WastedCalls,
            WastedTokens = pattern.WastedTokens,
            Example = pattern.Example,
            RequiredCriterion = pattern.Key.Pattern == FindingKinds.RubricCriterion && table.IsRequired(pattern),
            Evidence = pattern.Evidence(successesFirst: !tied),
        };
    }

    private static int CompareIdentity(Finding a, Finding b) => FirstNonZero(
        string.CompareOrdinal(a.Pattern, b.Pattern),
        string.CompareOrdinal(a.Tool, b.Tool),
        string.CompareOrdinal(a.Signature, b.Signature));

    private static int FirstNonZero(params ReadOnlySpan<int> comparisons)
    {
        foreach (var comparison in comparisons)
        {
            if (comparison != 0)
            {
                return comparison;
            }
        }

        return 0;
    }
}
