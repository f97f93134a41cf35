using System.Collections.ObjectModel;

namespace Dreaming;

/// <summary>One session held by the <see cref="InMemoryTraceStore"/>: its own copy of the record and its events by sequence.</summary>
/// <remarks>Not thread-safe; the store guards every instance with its lock.</remarks>
internal sealed class InMemorySession
{
    /// <summary>Initializes a new instance with a copy of <paramref name="session"/>, so later changes by the caller do not leak in.</summary>
    /// <param name="session">The session as given to the store; its times are kept at millisecond precision, in UTC.</param>
    public InMemorySession(SessionRecord session) => Record = session with
    {
        StartedAt = Milliseconds(session.StartedAt),
        EndedAt = session.EndedAt is { } ended ? Milliseconds(ended) : null,
        InsightIds = [.. session.InsightIds],
        Metadata = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(session.Metadata, StringComparer.Ordinal)),
        EventCount = 0,
    };

    /// <summary>Creates the copies of finished sessions and their events that an import adds, checking each as it copies it.</summary>
    /// <param name="sessions">The sessions and their events, as given to <see cref="InMemoryTraceStore.ImportAsync"/>.</param>
    /// <param name="cancellationToken">Checked before each session and every 1,024 events, so a long import does not hold up
    /// its cancellation.</param>
    /// <returns>The sessions to add.</returns>
    /// <exception cref="ArgumentNullException">An item of <paramref name="sessions"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A session is running, an event names another session, or two events share a
    /// sequence number: the words and parameter name the durable stores give (src/Shared/SessionImportCheck.cs, which they
    /// run before they write; here the check is made in the copy's one pass, which honours the token).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static List<InMemorySession> ForImport(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        var copies = new List<InMemorySession>(sessions.Count);
        foreach (var item in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ArgumentNullException.ThrowIfNull(item, nameof(sessions));
            var id = item.Session.Id;
            if (item.Session.Status == SessionStatus.Running)
            {
                throw new ArgumentException($"Session '{id}' is still running; only finished sessions can be imported.", nameof(sessions));
            }

            var imported = new InMemorySession(item.Session);
            foreach (var sessionEvent in item.Events)
            {
                if ((imported.Events.Count & 1023) == 1023)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (sessionEvent.SessionId.Length > 0 && !string.Equals(sessionEvent.SessionId, id, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Event {sessionEvent.Sequence} of session '{id}' names session '{sessionEvent.SessionId}'.", nameof(sessions));
                }

                if (!imported.Events.TryAdd(sessionEvent.Sequence, sessionEvent with { SessionId = id, Timestamp = Milliseconds(sessionEvent.Timestamp) }))
                {
                    throw new ArgumentException($"Session '{id}' has two events with sequence {sessionEvent.Sequence}.", nameof(sessions));
                }
            }

            copies.Add(imported);
        }

        return copies;
    }

    /// <summary>Cuts a time to the millisecond, in UTC, as the durable stores keep it.</summary>
    /// <param name="value">The time as given.</param>
    /// <returns>The time as stored.</returns>
    public static DateTimeOffset Milliseconds(DateTimeOffset value) => StoredTime.Of(value);

    /// <summary>Returns the event as stored: its time cut to the millisecond, in UTC (the same instance when it already is).</summary>
    /// <param name="sessionEvent">The event as given.</param>
    /// <returns>The event to keep.</returns>
    public static SessionEvent Stored(SessionEvent sessionEvent)
    {
        var time = Milliseconds(sessionEvent.Timestamp);
        return time.Offset == sessionEvent.Timestamp.Offset && time.UtcTicks == sessionEvent.Timestamp.UtcTicks ? sessionEvent : sessionEvent with { Timestamp = time };
    }

    /// <summary>Gets or sets the record; its <see cref="SessionRecord.EventCount"/> is ignored in favour of <see cref="Events"/>.</summary>
    public SessionRecord Record { get; set; }

    /// <summary>Gets the events by sequence number.</summary>
    public SortedList<long, SessionEvent> Events { get; } = [];

    /// <summary>Gets the start time at the precision stores order and page by.</summary>
    public long StartedAtMilliseconds => Record.StartedAt.ToUnixTimeMilliseconds();

    /// <summary>Returns the record with its event count.</summary>
    /// <returns>The record.</returns>
    public SessionRecord ToRecord() => Record with { EventCount = Events.Count };

    /// <summary>Returns the record and a copy of its events, taken together.</summary>
    /// <returns>The session with its events.</returns>
    public SessionWithEvents ToSessionWithEvents() => new(ToRecord(), [.. Events.Values]);

    /// <summary>Tells whether the session passes the filters of a query.</summary>
    /// <param name="query">The query.</param>
    /// <returns><see langword="true"/> when every filter matches.</returns>
    public bool Matches(SessionQuery query) =>
        (query.AgentId is null || string.Equals(Record.AgentId, query.AgentId, StringComparison.Ordinal))
        && (query.Scope is null || string.Equals(Record.Scope, query.Scope, StringComparison.Ordinal))
        && (query.Status is null || Record.Status == query.Status)
        && (query.OutcomeLabel is null || string.Equals(Record.Outcome?.Label, query.OutcomeLabel, StringComparison.Ordinal))
        && (query.ParentSessionId is null || string.Equals(Record.ParentSessionId, query.ParentSessionId, StringComparison.Ordinal))
        && (query.StartedFrom is not { } from || StartedAtMilliseconds >= from.ToUnixTimeMilliseconds())
        && (query.StartedBefore is not { } before || StartedAtMilliseconds < before.ToUnixTimeMilliseconds())
        && (query.ChangedAfter is not { } changedAfter || Record.ChangeNumber > changedAfter)
        && (query.EndedFrom is not { } endedFrom || (Record.Status != SessionStatus.Running && Record.EndedAt is { } ended && ended.ToUnixTimeMilliseconds() >= endedFrom.ToUnixTimeMilliseconds()));

    /// <summary>Compares the session's position in <see cref="SessionOrder.OldestFirst"/> order with a cursor's.</summary>
    /// <param name="cursor">The cursor.</param>
    /// <returns>Less than zero when the session comes first, zero at the cursor, more than zero after it.</returns>
    public int CompareTo(SessionCursor cursor)
    {
        var byTime = StartedAtMilliseconds.CompareTo(cursor.StartedAtUnixMilliseconds);
        return byTime != 0 ? byTime : string.CompareOrdinal(Record.Id, cursor.SessionId);
    }
}
