namespace Dreaming;

/// <summary>Credit assignment: what the sessions that were given insights say about them.</summary>
/// <remarks>
/// A session given an insight counts it seen, unless the insight is about tools the session never called and the model did
/// not cite it: that session says nothing about the insight, and gives it no credit at all. Citations sharpen the credit: when the model cited any insight in the
/// session, a pass counts helpful only for the insights it cited (the others it was given are seen, not credited); when it
/// cited none, a pass counts helpful for every insight given. A failure counts harmful for an insight the model cited, and
/// for one about a tool that failed in the session (a failed result, or a call whose arguments were not read), about a sequence of tools the session called (an insight with several
/// tools, such as a tool-sequence lesson), or about no tool at all, because then it failed in the way the insight was about.
/// </remarks>
internal static class InsightCredits
{
    public static List<InsightCredit> From(IReadOnlyList<SessionWithEvents> sessions, IReadOnlyList<Insight> insights, MemoryScope scope)
    {
        var byId = insights.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var credits = new List<InsightCredit>();
        foreach (var (session, events) in sessions)
        {
            // Ids the host passed when it started the session, and those the middleware injected from the memory.
            var given = session.InsightIds
                .Concat(events.OfType<InsightsInjectedEvent>().Where(e => IsOfScope(e, session, scope)).SelectMany(e => e.InsightIds))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var verdict = SessionVerdicts.Classify(session);
            if (given.Count == 0 || verdict is not (SessionVerdict.Succeeded or SessionVerdict.Failed))
            {
                continue;
            }

            var passed = verdict == SessionVerdict.Succeeded;
            var cited = events.OfType<InsightsCitedEvent>().SelectMany(e => e.InsightIds).ToHashSet(StringComparer.Ordinal);
            // A call whose arguments were not read failed whatever its result, as mining counts it.
            var failingTools = events.OfType<ToolResultEvent>().Where(r => r.IsError && r.ToolName is not null).Select(r => r.ToolName!)
                .Concat(events.OfType<ToolCallEvent>().Where(c => c.ArgumentsError is not null).Select(c => c.ToolName))
                .ToHashSet(StringComparer.Ordinal);
            var calledTools = events.OfType<ToolCallEvent>().Select(c => c.ToolName).ToHashSet(StringComparer.Ordinal);
            foreach (var id in given)
            {
                if (!byId.TryGetValue(id, out var insight))
                {
                    continue;
                }

                var tools = insight.Triggers.Tools;
                var wasCited = cited.Contains(id);
                if (!wasCited && tools.Count > 0 && !tools.Any(calledTools.Contains))
                {
                    // A lesson about tools the session never called says nothing about them: its pass or failure is not the
                    // lesson's, so it is not credited (all insights fitting the budget are given to every session, and
                    // crediting unrelated passes would let a harmful or stale lesson look helpful for ever).
                    continue;
                }

                var helpful = passed && (cited.Count == 0 || wasCited);
                var harmful = !passed && (wasCited || tools.Count == 0 || tools.Any(failingTools.Contains) || (tools.Count > 1 && tools.All(calledTools.Contains)));
                credits.Add(new InsightCredit(id, session.Id, helpful, harmful, wasCited));
            }
        }

        return credits;
    }

    // An event without a scope is of the session's agent's memory (all events were, before team and global memory).
    private static bool IsOfScope(InsightsInjectedEvent injected, SessionRecord session, MemoryScope scope) =>
        injected.Scope is { } given
            ? given == scope
            : scope.Kind == MemoryScopeKind.Agent && string.Equals(scope.Id, session.AgentId, StringComparison.Ordinal);
}
