namespace Dreaming;

/// <content>Reading some of a session's events.</content>
public sealed partial class InMemoryTraceStore
{
    /// <inheritdoc />
    /// <remarks>Finds the first event after <see cref="SessionEventQuery.AfterSequence"/> by a binary search and copies only
    /// the events kept, under the store's lock: a window of a long session costs the window.</remarks>
    public Task<IReadOnlyList<SessionEvent>> QueryEventsAsync(string sessionId, SessionEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        return Run<IReadOnlyList<SessionEvent>>(() => QueryEvents(sessionId, query), cancellationToken);
    }

    private List<SessionEvent> QueryEvents(string sessionId, SessionEventQuery query)
    {
        var types = SessionEventFilter.TypeSet(query);
        var limit = query.Limit ?? int.MaxValue;
        var kept = new List<SessionEvent>();
        lock (_gate)
        {
            if (!_sessions.TryGetValue(sessionId, out var stored))
            {
                return kept;
            }

            var events = stored.Events;
            for (var i = query.AfterSequence is { } after ? FirstAfter(events.Keys, after) : 0; i < events.Count && kept.Count < limit; i++)
            {
                var sessionEvent = events.Values[i];
                if (SessionEventFilter.IsOfType(sessionEvent, types))
                {
                    kept.Add(sessionEvent);
                }
            }
        }

        return kept;
    }

    // The index of the first key greater than after (the count when there is none): the keys are in ascending order.
    private static int FirstAfter(IList<long> keys, long after)
    {
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (keys[middle] <= after)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
