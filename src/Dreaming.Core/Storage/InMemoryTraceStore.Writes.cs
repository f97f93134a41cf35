using System.Runtime.InteropServices;

namespace Dreaming;

/// <content>Applying writes under the store's lock: a batch of new sessions and events, a session's end, and an import, each
/// checked whole before any of it is applied.</content>
public sealed partial class InMemoryTraceStore
{
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
        var imported = InMemorySession.ForImport(sessions, cancellationToken);
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
}
