using System.Collections.Concurrent;
using System.Reflection;

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

    private static readonly MethodInfo s_queryEvents = typeof(ITraceStore).GetMethod(nameof(ITraceStore.QueryEventsAsync))!;

    private static readonly ConcurrentDictionary<Type, bool> s_queriesByDefault = new();

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
    /// <remarks>On a store whose <see cref="ITraceStore.QueryEventsAsync"/> is the interface's default (which reads the whole
    /// session each call), the session is read once and each of these reads is taken from it, as the default would give it.</remarks>
    internal static async Task<TimelineEvents> ReadEventsAsync(ITraceStore store, string sessionId, long? after, CancellationToken cancellationToken)
    {
        var events = new EventReads(store, sessionId, QueriesByInterfaceDefault(store), cancellationToken);
        var read = await events.QueryAsync(new SessionEventQuery { AfterSequence = after, Limit = SessionTimeline.MaxEvents + 1 }).ConfigureAwait(false);
        var hasNext = read.Count > SessionTimeline.MaxEvents;
        var window = hasNext ? read.Take(SessionTimeline.MaxEvents).ToList() : read;

        IReadOnlyList<SessionEvent> before = [];
        var allCalls = true;
        if (after is { } start && window.Any(e => e is ToolCallEvent or ToolResultEvent))
        {
            // Sequence numbers start at 1 as the library writes them: a reach that goes below it reads from the first.
            var from = start - PairReach;
            allCalls = from < 1;
            before = [.. (await events.QueryAsync(new SessionEventQuery { AfterSequence = allCalls ? null : from, Limit = PairReach, Types = s_toolTypes }).ConfigureAwait(false))
                .Where(e => e.Sequence < window[0].Sequence)];
        }

        var pairs = SessionTimeline.ToolPairs([.. before, .. window]);
        var allResults = true;
        if (hasNext && window.Any(e => e is ToolCallEvent call && !pairs.ContainsKey(call.Sequence)))
        {
            var next = await events.QueryAsync(new SessionEventQuery { AfterSequence = window[^1].Sequence, Limit = PairReach, Types = s_toolTypes }).ConfigureAwait(false);
            allResults = next.Count < PairReach;
            pairs = SessionTimeline.ToolPairs([.. before, .. window, .. next]);
        }

        // A first window with no event after it is the whole session: its outcome events are in it (one read, as before
        // windows were read, also for a store whose QueryEventsAsync is the interface's default).
        IReadOnlyList<SessionEvent> outcome = (after is null or 0) && !hasNext
            ? [.. window.Where(e => e is OutcomeEvaluationStartedEvent or OutcomeEvaluationEndedEvent)]
            : await events.QueryAsync(s_outcome).ConfigureAwait(false);
        return new TimelineEvents(window, hasNext, pairs, allCalls, allResults, outcome);
    }

    /// <summary>Whether the store's <see cref="ITraceStore.QueryEventsAsync"/> is the interface's default: its type (a store
    /// written before the member existed) does not implement that member, whatever it does with the others. A decorator that implements it is taken
    /// at its word, even when it passes the query on to such a store.</summary>
    /// <param name="store">The store.</param>
    internal static bool QueriesByInterfaceDefault(ITraceStore store) => s_queriesByDefault.GetOrAdd(store.GetType(), static type =>
    {
        try
        {
            var map = type.GetInterfaceMap(typeof(ITraceStore));
            var index = Array.IndexOf(map.InterfaceMethods, s_queryEvents);
            return index >= 0 && map.TargetMethods[index].DeclaringType == typeof(ITraceStore);
        }
        catch (NotSupportedException)
        {
            // Native AOT cannot always map a type's interface methods (dotnet/runtime#89157): the page then asks the
            // store's own query each time, as it did before it could tell.
            return false;
        }
    });

    /// <summary>One page's reads of a session's events: each a query of the store, or, when the store's query is the
    /// interface's default, the same query over the session read once.</summary>
    private sealed class EventReads(ITraceStore store, string sessionId, bool readOnce, CancellationToken cancellationToken)
    {
        private IReadOnlyList<SessionEvent>? _all;

        public async Task<IReadOnlyList<SessionEvent>> QueryAsync(SessionEventQuery query)
        {
            if (!readOnce)
            {
                return await store.QueryEventsAsync(sessionId, query, cancellationToken).ConfigureAwait(false);
            }

            _all ??= await store.GetEventsAsync(sessionId, cancellationToken).ConfigureAwait(false);
            return SessionEventFilter.Filter(_all, query);
        }
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
