using System.Runtime.CompilerServices;

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
