namespace Dreaming;

/// <summary>Which of one session's events <see cref="ITraceStore.QueryEventsAsync"/> reads: those after a sequence number,
/// of some types, at most a number of them.</summary>
/// <remarks>
/// <para>The events come in sequence order (ascending). Each filter left <see langword="null"/> keeps every event, so
/// <c>new SessionEventQuery()</c> reads what <see cref="ITraceStore.GetEventsAsync"/> does.</para>
/// <para>To read a long session a window at a time, ask for <see cref="Limit"/> events, then again with
/// <see cref="AfterSequence"/> set to the last one's <see cref="SessionEvent.Sequence"/>, until fewer than the limit come
/// back (ask for one more than a window to tell whether another follows). Sequence numbers may have gaps (events a session
/// dropped, an import), so a window is named by the numbers it starts after, not by positions.</para>
/// <para>A query holds no session id and is not changed by a read: one instance can be kept and used for every session.</para>
/// </remarks>
public sealed record SessionEventQuery
{
    /// <summary>Gets the sequence number the events start after: only events whose <see cref="SessionEvent.Sequence"/> is
    /// greater are read. <see langword="null"/> (the default) reads from the first event, whatever its number.</summary>
    public long? AfterSequence { get; init; }

    /// <summary>Gets the most events read, 1 or more; <see langword="null"/> (the default) for no limit. The limit counts
    /// the events that match the other filters, the first ones in sequence order.</summary>
    public int? Limit { get; init; }

    /// <summary>Gets the <see cref="SessionEvent.EventType"/> values to read, compared ordinally (case-sensitive), such as
    /// <see cref="EventTypes.MemoryInjected"/> or <c>"message.user"</c> (a message's type is
    /// <see cref="EventTypes.MessagePrefix"/> and its role); <see langword="null"/> (the default) for every type. An empty
    /// collection matches no event, and a type given twice counts once.</summary>
    /// <remarks>The durable stores read and parse no event of another type, so a caller that needs a few kinds among many
    /// skips most of the cost of a read, and an event of another kind that this build cannot parse (written by a newer one)
    /// does not fail it. The collection is read when the query is used, not copied when it is made.</remarks>
    public IReadOnlyCollection<string>? Types { get; init; }

    /// <summary>Throws when a value is out of range: a limit below 1, a type that is <see langword="null"/> or holds half a
    /// surrogate pair.</summary>
    /// <remarks>A type with half a surrogate pair is not Unicode text: a store that keeps text as UTF-8 (SQLite) would
    /// match it as U+FFFD, the type of other events, while the in-memory store would match it exactly, so it is refused
    /// the same in every store, as <see cref="SessionQuery.Validate"/> refuses such an agent id.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Limit"/> is less than 1 (the parameter name is
    /// <c>Limit</c>).</exception>
    /// <exception cref="ArgumentException"><see cref="Types"/> holds a <see langword="null"/> or a type with an unpaired
    /// surrogate (the parameter name is <c>Types</c>; the message names the position).</exception>
    public void Validate()
    {
        if (Limit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "SessionEventQuery.Limit must be 1 or more, or null for no limit.");
        }

        if (Types is null)
        {
            return;
        }

        var index = 0;
        foreach (var type in Types)
        {
            if (type is null)
            {
                throw new ArgumentException(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SessionEventQuery.Types holds a null (at position {index})."),
                    nameof(Types));
            }

            if (UnpairedSurrogates.IndexOf(type) is var at and >= 0)
            {
                throw new ArgumentException(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SessionEventQuery.Types has a type with an unpaired surrogate (half a character, U+{(int)type[at]:X4}) at index {at} (the type at position {index}); it is not Unicode text, and a store that keeps text as UTF-8 would match it as U+FFFD, another type."),
                    nameof(Types));
            }

            index++;
        }
    }
}
