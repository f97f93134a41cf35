namespace Dreaming.AgentView.Pages;

/// <content>The session's events the page reads: one window of the timeline, the tool events around it that pair with
/// its calls and results, and the outcome evaluations.</content>
internal static partial class SessionDetailPage
{
    /// <summary>The tool events read around a window to pair its calls and results: at most this many before it (by
    /// sequence number) and after it (tool events).</summary>
    public const int PairReach = SessionTimeline.MaxEvents;

    private static readonly string[] s_toolTypes = [EventTypes.ToolCall, EventTypes.ToolResult];

    private static readonly SessionEventQuery s_outcome = new() { Types = [EventTypes.OutcomeEvaluationStarted, EventTypes.OutcomeEvaluationEnded] };

    /// <summary>Reads the window of <see cref="SessionTimeline.MaxEvents"/> events after <paramref name="after"/> (one more,
    /// to know whether another window follows), then, only when the window holds a tool call or result whose other half
    /// is not in it, the tool events before it (the <see cref="PairReach"/> sequence numbers before) or after it (the next
    /// <see cref="PairReach"/> tool events), and the session's outcome evaluation events.</summary>
    /// <param name="store">The store.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="after">The sequence number the window starts after, or <see langword="null"/> for the first.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    internal static async Task<TimelineEvents> ReadEventsAsync(ITraceStore store, string sessionId, long? after, CancellationToken cancellationToken)
    {
        var read = await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = after, Limit = SessionTimeline.MaxEvents + 1 }, cancellationToken).ConfigureAwait(false);
        var hasNext = read.Count > SessionTimeline.MaxEvents;
        var window = hasNext ? read.Take(SessionTimeline.MaxEvents).ToList() : read;
        var (openCalls, orphanResults) = Unpaired(window);

        IReadOnlyList<SessionEvent> before = [];
        var allCalls = true;
        if (orphanResults && after is { } start && window.Count > 0)
        {
            // Sequence numbers start at 1 as the library writes them: a reach that goes below it reads from the first.
            var from = start - PairReach;
            allCalls = from < 1;
            before = [.. (await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = allCalls ? null : from, Limit = PairReach, Types = s_toolTypes }, cancellationToken).ConfigureAwait(false))
                .Where(e => e.Sequence < window[0].Sequence)];
        }

        IReadOnlyList<SessionEvent> next = [];
        var allResults = true;
        if (openCalls && hasNext)
        {
            next = await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = window[^1].Sequence, Limit = PairReach, Types = s_toolTypes }, cancellationToken).ConfigureAwait(false);
            allResults = next.Count < PairReach;
        }

        var outcome = await store.QueryEventsAsync(sessionId, s_outcome, cancellationToken).ConfigureAwait(false);
        return new TimelineEvents(window, hasNext, SessionTimeline.ToolPairs([.. before, .. window, .. next]), allCalls, allResults, outcome);
    }

    // Whether the window has a call whose result is not in it after it, and a result whose call is not in it before it.
    private static (bool OpenCalls, bool OrphanResults) Unpaired(IReadOnlyList<SessionEvent> window)
    {
        Dictionary<string, int>? open = null;
        var orphans = false;
        foreach (var e in window)
        {
            switch (e)
            {
                case ToolCallEvent call:
                    open ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    open[call.CallId] = open.GetValueOrDefault(call.CallId) + 1;
                    break;
                case ToolResultEvent result when open is not null && open.GetValueOrDefault(result.CallId) > 0:
                    open[result.CallId]--;
                    break;
                case ToolResultEvent:
                    orphans = true;
                    break;
            }
        }

        return (open is not null && open.Values.Any(count => count > 0), orphans);
    }
}

/// <summary>The events a session page shows and links.</summary>
/// <param name="Window">The timeline's window, in sequence order.</param>
/// <param name="HasNext">Whether events follow the window.</param>
/// <param name="Pairs">Each tool call's result and each result's call, by sequence number, among the window and the tool
/// events read around it.</param>
/// <param name="AllCalls">Whether every call a result of the window may pair with was read (else a result without one says
/// that none was found within reach, not that none was recorded).</param>
/// <param name="AllResults">Whether every result a call of the window may pair with was read.</param>
/// <param name="Outcome">The session's <c>outcome.evaluation_started</c> and <c>_ended</c> events.</param>
internal sealed record TimelineEvents(IReadOnlyList<SessionEvent> Window, bool HasNext, Dictionary<long, long> Pairs, bool AllCalls, bool AllResults, IReadOnlyList<SessionEvent> Outcome);
