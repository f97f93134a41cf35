using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dreaming;

/// <summary>A trace store that keeps sessions and events in process memory, for tests, demos and short-lived hosts.</summary>
/// <remarks>
/// <para>Everything is lost when the process ends. Members are safe to call from several threads at once, and the store
/// keeps its own copies of what it is given.</para>
/// <para>Like the durable stores, it keeps times at millisecond precision, in UTC, and filters, orders and pages by start
/// time at that precision, so that times and cursors behave the same whichever store issued them.</para>
/// </remarks>
public sealed partial class InMemoryTraceStore : ITraceStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, InMemorySession> _sessions = new(StringComparer.Ordinal);

    // The last change number given (SessionRecord.ChangeNumber), under _gate: every change is visible once numbered.
    private long _changeNumber;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task WriteAsync(TraceWriteBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var session in batch.NewSessions)
        {
            session.Outcome?.Validate(session.Id);
        }

        return Run(() => Write(batch), cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteSessionAsync(SessionCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        completion.Outcome?.Validate(completion.SessionId);
        return Run(() => Complete(completion), cancellationToken);
    }

    /// <inheritdoc />
    public Task SetOutcomeAsync(string sessionId, SessionOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(outcome);
        outcome.Validate(sessionId);
        return Run(
            () =>
            {
                lock (_gate)
                {
                    var stored = Find(sessionId);
                    stored.Record = stored.Record with { Outcome = outcome, ChangeNumber = ++_changeNumber };
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The import is all or nothing. The token is honoured while the sessions are copied too (before each session,
    /// and every 1,024 events of a long one): a cancellation before they are added keeps none of them and gives a canceled
    /// task (<see cref="OperationCanceledException"/>).</remarks>
    public Task<int> ImportAsync(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        foreach (var item in sessions)
        {
            item?.Session.Outcome?.Validate(item.Session.Id);
        }

        return Run(() => Import(sessions, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionRecord?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return Run(
            () =>
            {
                lock (_gate)
                {
                    return _sessions.TryGetValue(sessionId, out var stored) ? stored.ToRecord() : null;
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The last change number given: the store numbers each change under its lock, so every change numbered is
    /// visible.</remarks>
    public Task<long?> GetSessionChangeHorizonAsync(CancellationToken cancellationToken = default) => Run<long?>(
        () =>
        {
            lock (_gate)
            {
                return _changeNumber;
            }
        },
        cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionEvent>> GetEventsAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return Run<IReadOnlyList<SessionEvent>>(() => GetEvents(sessionId), cancellationToken);
    }

    /// <inheritdoc />
    public Task<SessionPage> QuerySessionsAsync(SessionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var after = query.Cursor is null ? (SessionCursor?)null : SessionCursor.Decode(query.Cursor);
        return Run(() => Query(query, after), cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SessionWithEvents> StreamSessionsAsync(SessionQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageQuery = query;
        while (true)
        {
            var page = await QuerySessionsAsync(pageQuery, cancellationToken).ConfigureAwait(false);
            foreach (var session in page.Items)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // A session purged since the page was read is skipped; one still being written comes with a consistent count.
                if (Snapshot(session.Id) is { } current)
                {
                    yield return current;
                }
            }

            if (page.NextCursor is null)
            {
                yield break;
            }

            pageQuery = pageQuery with { Cursor = page.NextCursor };
        }
    }

    /// <inheritdoc />
    public Task<int> PurgeAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => Run(
        () =>
        {
            var cutOff = startedBefore.ToUnixTimeMilliseconds();
            lock (_gate)
            {
                var purged = _sessions.Values
                    .Where(stored => stored.Record.Status != SessionStatus.Running && stored.StartedAtMilliseconds < cutOff)
                    .Select(stored => stored.Record.Id)
                    .ToList();
                foreach (var id in purged)
                {
                    _sessions.Remove(id);
                }

                return purged.Count;
            }
        },
        cancellationToken);

    // Failures other than bad arguments travel in the task, as they would from an I/O-bound store.
    private static Task Run(Action action, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        try
        {
            action();
            return Task.CompletedTask;
        }
        catch (Exception exception) when (IsUsageError(exception))
        {
            return Task.FromException(exception);
        }
    }

    private static Task<T> Run<T>(Func<T> action, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            return Task.FromResult(action());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        catch (Exception exception) when (IsUsageError(exception))
        {
            return Task.FromException<T>(exception);
        }
    }

    private static bool IsUsageError(Exception exception) => exception is SessionStateException or SessionNotFoundException or ArgumentException;

    private void Write(TraceWriteBatch batch)
    {
        lock (_gate)
        {
            // Everything is checked before anything is applied, so a failing batch leaves no trace.
            var created = new Dictionary<string, InMemorySession>(StringComparer.Ordinal);
            foreach (var session in batch.NewSessions)
            {
                if (_sessions.ContainsKey(session.Id) || !created.TryAdd(session.Id, new InMemorySession(session)))
                {
                    throw new SessionStateException($"Session '{session.Id}' already exists.");
                }
            }

            // The writer numbers each session's events in increasing order, so a batch has no duplicate while each session's
            // numbers keep increasing; only a batch that breaks that order pays for a set of every (session, number) pair.
            // Consecutive events of one session (the common case) look their session up once.
            var events = batch.Events;
            var lastInBatch = new Dictionary<string, long>(StringComparer.Ordinal);
            HashSet<(string SessionId, long Sequence)>? appended = null;
            InMemorySession? target = null;
            string? targetId = null;
            for (var i = 0; i < events.Count; i++)
            {
                var sessionEvent = events[i];
                if (target is null || !string.Equals(targetId, sessionEvent.SessionId, StringComparison.Ordinal))
                {
                    target = (_sessions.TryGetValue(sessionEvent.SessionId, out var existing) ? existing : null)
                        ?? (created.TryGetValue(sessionEvent.SessionId, out var fresh) ? fresh : null)
                        ?? throw new SessionStateException($"Event {sessionEvent.Sequence} names session '{sessionEvent.SessionId}', which does not exist.");
                    if (target.Record.Status != SessionStatus.Running)
                    {
                        throw new SessionStateException($"Session '{sessionEvent.SessionId}' has already ended ({target.Record.Status}); event {sessionEvent.Sequence} cannot be appended.");
                    }

                    targetId = sessionEvent.SessionId;
                }

                if (Holds(target.Events, sessionEvent.Sequence) || !AddToBatch(sessionEvent, i))
                {
                    throw new SessionStateException($"Session '{sessionEvent.SessionId}' already has an event with sequence {sessionEvent.Sequence}.");
                }
            }

            bool AddToBatch(SessionEvent sessionEvent, int index)
            {
                if (appended is null)
                {
                    ref var last = ref CollectionsMarshal.GetValueRefOrAddDefault(lastInBatch, sessionEvent.SessionId, out var seen);
                    if (!seen || sessionEvent.Sequence > last)
                    {
                        last = sessionEvent.Sequence;
                        return true;
                    }

                    appended = [];
                    for (var j = 0; j < index; j++)
                    {
                        appended.Add((events[j].SessionId, events[j].Sequence));
                    }
                }

                return appended.Add((sessionEvent.SessionId, sessionEvent.Sequence));
            }

            foreach (var (id, stored) in created)
            {
                stored.Record = stored.Record with { ChangeNumber = stored.Record.Status == SessionStatus.Running ? null : ++_changeNumber };
                _sessions.Add(id, stored);
            }

            target = null;
            for (var i = 0; i < events.Count; i++)
            {
                var sessionEvent = events[i];
                if (target is null || !string.Equals(targetId, sessionEvent.SessionId, StringComparison.Ordinal))
                {
                    target = _sessions[sessionEvent.SessionId];
                    targetId = sessionEvent.SessionId;
                }

                target.Events.Add(sessionEvent.Sequence, InMemorySession.Stored(sessionEvent));
            }
        }
    }

    // Events arrive in increasing order, so a number past the last one held is new without a search.
    private static bool Holds(SortedList<long, SessionEvent> events, long sequence) =>
        events.Count > 0 && sequence <= events.Keys[^1] && events.ContainsKey(sequence);

    private void Complete(SessionCompletion completion)
    {
        if (completion.Status == SessionStatus.Running)
        {
            throw new SessionStateException($"Session '{completion.SessionId}' cannot be completed with status {SessionStatus.Running}.");
        }

        lock (_gate)
        {
            var stored = Find(completion.SessionId);
            if (stored.Record.Status != SessionStatus.Running)
            {
                throw new SessionStateException($"Session '{completion.SessionId}' has already ended ({stored.Record.Status}).");
            }

            stored.Record = stored.Record with
            {
                Status = completion.Status,
                EndedAt = InMemorySession.Milliseconds(completion.EndedAt),
                Usage = completion.Usage,
                Outcome = completion.Outcome ?? stored.Record.Outcome,
                DroppedEventCount = completion.DroppedEventCount,
                ChangeNumber = ++_changeNumber,
            };
        }
    }

    private int Import(IReadOnlyList<SessionWithEvents> sessions, CancellationToken cancellationToken)
    {
        // Every session is checked before any is added, so a bad one fails the whole import, and a cancellation keeps none.
        var imported = new List<InMemorySession>(sessions.Count);
        foreach (var item in sessions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            imported.Add(InMemorySession.ForImport(item, cancellationToken));
        }

        cancellationToken.ThrowIfCancellationRequested();

        var added = 0;
        lock (_gate)
        {
            foreach (var stored in imported)
            {
                if (_sessions.TryAdd(stored.Record.Id, stored))
                {
                    stored.Record = stored.Record with { ChangeNumber = ++_changeNumber };
                    added++;
                }
            }
        }

        return added;
    }

    private SessionEvent[] GetEvents(string sessionId)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(sessionId, out var stored) ? [.. stored.Events.Values] : [];
        }
    }

    private SessionWithEvents? Snapshot(string sessionId)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(sessionId, out var stored) ? stored.ToSessionWithEvents() : null;
        }
    }

    private SessionPage Query(SessionQuery query, SessionCursor? after)
    {
        var newestFirst = query.Order == SessionOrder.NewestFirst;
        List<SessionRecord> items;
        lock (_gate)
        {
            var matches = _sessions.Values.Where(stored => stored.Matches(query));
            if (after is { } cursor)
            {
                matches = matches.Where(stored => newestFirst ? stored.CompareTo(cursor) < 0 : stored.CompareTo(cursor) > 0);
            }

            var ordered = newestFirst
                ? matches.OrderByDescending(stored => stored.StartedAtMilliseconds).ThenByDescending(stored => stored.Record.Id, StringComparer.Ordinal)
                : matches.OrderBy(stored => stored.StartedAtMilliseconds).ThenBy(stored => stored.Record.Id, StringComparer.Ordinal);

            // One more than a page tells whether another page follows without ever handing out an empty last page.
            items = [.. ordered.Take(query.PageSize + 1).Select(stored => stored.ToRecord())];
        }

        if (items.Count <= query.PageSize)
        {
            return new SessionPage(items, null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new SessionPage(items, new SessionCursor(last.StartedAt.ToUnixTimeMilliseconds(), last.Id).Encode());
    }

    private InMemorySession Find(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var stored) ? stored : throw new SessionNotFoundException($"Session '{sessionId}' does not exist.");
}
