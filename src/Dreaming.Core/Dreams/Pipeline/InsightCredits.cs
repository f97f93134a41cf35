namespace Dreaming;

/// <summary>Credit assignment: what the sessions that were given insights say about them.</summary>
/// <remarks>A session given an insight counts it seen; helpful when the session passed; harmful when it failed with an
/// error of a tool the insight is about (or failed at all, for an insight about no tool).</remarks>
internal static class InsightCredits
{
    public static List<InsightCredit> From(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<Insight> insights)
    {
        var byId = insights.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var credits = new List<InsightCredit>();
        foreach (var (session, events) in sessions)
        {
            // Ids the host passed when it started the session, and those the middleware injected from the memory.
            var given = session.InsightIds.Concat(events.OfType<InsightsInjectedEvent>().SelectMany(e => e.InsightIds)).Distinct(StringComparer.Ordinal).ToList();
            var verdict = SessionVerdicts.Classify(session);
            if (given.Count == 0 || verdict is not (SessionVerdict.Succeeded or SessionVerdict.Failed))
            {
                continue;
            }

            var passed = verdict == SessionVerdict.Succeeded;
            var failingTools = events.OfType<ToolResultEvent>().Where(r => r.IsError && r.ToolName is not null).Select(r => r.ToolName!).ToHashSet(StringComparer.Ordinal);
            foreach (var id in given)
            {
                if (!byId.TryGetValue(id, out var insight))
                {
                    continue;
                }

                var tools = insight.Triggers.Tools;
                var harmful = !passed && (tools.Count == 0 || tools.Any(failingTools.Contains));
                credits.Add(new InsightCredit(id, session.Id, passed, harmful));
            }
        }

        return credits;
    }
}
