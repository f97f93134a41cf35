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
    /// to know whether another window follows); when a window after the first holds a tool call or result, the tool events
    /// of the <see cref="PairReach"/> sequence numbers before it (a call id used twice pairs by order, so an earlier call
    /// left open takes the window's result, as over the whole session); when a call is then still open, the next
    /// <see cref="PairReach"/> tool events after it; and the session's outcome evaluation events (taken from the window
    /// when it is the whole session).</summary>
    /// <param name="store">The store.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="after">The sequence number the window starts after, or <see langword="null"/> for the first.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    internal static async Task<TimelineEvents> ReadEventsAsync(ITraceStore store, string sessionId, long? after, CancellationToken cancellationToken)
    {
        var read = await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = after, Limit = SessionTimeline.MaxEvents + 1 }, cancellationToken).ConfigureAwait(false);
        var hasNext = read.Count > SessionTimeline.MaxEvents;
        var window = hasNext ? read.Take(SessionTimeline.MaxEvents).ToList() : read;

        IReadOnlyList<SessionEvent> before = [];
        var allCalls = true;
        if (after is { } start && window.Any(e => e is ToolCallEvent or ToolResultEvent))
        {
            // Sequence numbers start at 1 as the library writes them: a reach that goes below it reads from the first.
            var from = start - PairReach;
            allCalls = from < 1;
            before = [.. (await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = allCalls ? null : from, Limit = PairReach, Types = s_toolTypes }, cancellationToken).ConfigureAwait(false))
                .Where(e => e.Sequence < window[0].Sequence)];
        }

        var pairs = SessionTimeline.ToolPairs([.. before, .. window]);
        var allResults = true;
        if (hasNext && window.Any(e => e is ToolCallEvent call && !pairs.ContainsKey(call.Sequence)))
        {
            var next = await store.QueryEventsAsync(sessionId, new SessionEventQuery { AfterSequence = window[^1].Sequence, Limit = PairReach, Types = s_toolTypes }, cancellationToken).ConfigureAwait(false);
            allResults = next.Count < PairReach;
            pairs = SessionTimeline.ToolPairs([.. before, .. window, .. next]);
        }

        // A first window with no event after it is the whole session: its outcome events are in it (one read, as before
        // windows were read, also for a store whose QueryEventsAsync is the interface's default).
        IReadOnlyList<SessionEvent> outcome = (after is null or 0) && !hasNext
            ? [.. window.Where(e => e is OutcomeEvaluationStartedEvent or OutcomeEvaluationEndedEvent)]
            : await store.QueryEventsAsync(sessionId, s_outcome, cancellationToken).ConfigureAwait(false);
        return new TimelineEvents(window, hasNext, pairs, allCalls, allResults, outcome);
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
