namespace Dreaming;

/// <summary>The filters of a <see cref="SessionEventQuery"/> applied to events in memory: by the default
/// <see cref="ITraceStore.QueryEventsAsync"/> (over the whole session) and by the in-memory store.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each).</remarks>
internal static class SessionEventFilter
{
    /// <summary>The query's types as an ordinal set, or <see langword="null"/> for every type.</summary>
    /// <param name="query">The query.</param>
    public static HashSet<string>? TypeSet(SessionEventQuery query) =>
        query.Types is null ? null : new HashSet<string>(query.Types, StringComparer.Ordinal);

    /// <summary>Whether an event is of one of <paramref name="types"/>, compared ordinally, without building a message's
    /// type (<c>message.</c> and its role) for each event.</summary>
    /// <param name="sessionEvent">The event.</param>
    /// <param name="types">The types, or <see langword="null"/> for every type.</param>
    public static bool IsOfType(SessionEvent sessionEvent, HashSet<string>? types) =>
        types is null || (sessionEvent is MessageEvent message ? ContainsMessage(types, message.Role) : types.Contains(sessionEvent.EventType));

    /// <summary>The events of <paramref name="all"/> (a session's events in sequence order) the query keeps.</summary>
    /// <param name="all">Every event of the session, in sequence order.</param>
    /// <param name="query">The query, validated.</param>
    public static List<SessionEvent> Filter(IEnumerable<SessionEvent> all, SessionEventQuery query)
    {
        var types = TypeSet(query);
        var limit = query.Limit ?? int.MaxValue;
        var kept = new List<SessionEvent>();
        foreach (var sessionEvent in all)
        {
            if (kept.Count == limit)
            {
                break;
            }

            if ((query.AfterSequence is not { } after || sessionEvent.Sequence > after) && IsOfType(sessionEvent, types))
            {
                kept.Add(sessionEvent);
            }
        }

        return kept;
    }

    private static bool ContainsMessage(HashSet<string> types, string role)
    {
        foreach (var type in types)
        {
            if (type.Length == EventTypes.MessagePrefix.Length + role.Length
                && type.StartsWith(EventTypes.MessagePrefix, StringComparison.Ordinal)
                && type.AsSpan(EventTypes.MessagePrefix.Length).SequenceEqual(role))
            {
                return true;
            }
        }

        return false;
    }
}
