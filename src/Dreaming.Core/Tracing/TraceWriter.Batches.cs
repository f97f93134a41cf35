using Microsoft.Extensions.Logging;

namespace Dreaming;

/// <summary>The writer's batches: expanding queued items into stored events (numbering, and redaction on the writer's
/// thread), and handing each batch to the store.</summary>
internal sealed partial class TraceWriter
{
    // Turning calls into events, numbering them and redacting them all happen here, on the writer, so the agent's thread
    // pays for none of it; nothing reaches the store unredacted.
    private void Expand(WriteItem item, PendingBatch batch)
    {
        batch.Slots += item.Slots;
        if (item.Sink!.Creation.Error is not null)
        {
            // The store refused to create the session (its id was taken): its events have nowhere of their own to go.
            Drop(item.Sink, item.Events, DreamingTelemetry.DropReasons.StoreError);
            _store.Health.Lost(item.Events);
            return;
        }

        try
        {
            if (item.Call is { } call)
            {
                // Built stamped and numbered after the session's last number, then redacted (copied only when that changed
                // something). The numbers count as given only once the whole call redacted cleanly.
                var sink = item.Sink!;
                var events = _callEvents;
                events.Clear();
                call.AddMessageEvents(events, sink.LastSequence);
                for (var i = 0; i < events.Count; i++)
                {
                    events[i] = SessionEventSanitizer.Sanitize(events[i], _filter);
                }

                var error = call.Error is null ? null : SessionEventSanitizer.Sanitize(call.Error with { SessionId = call.SessionId, Timestamp = call.Timestamp }, _filter);
                sink.SkipSequences(events.Count);
                for (var i = 0; i < events.Count; i++)
                {
                    batch.Add(events[i], sink);
                }

                // The model response holds no content to redact.
                if (call.Response is { } response)
                {
                    batch.Add(response.ToEvent(call.SessionId, call.Timestamp, sink.NextSequence()), sink);
                }

                if (error is not null)
                {
                    batch.Add(error with { Sequence = sink.NextSequence() }, sink);
                }

                events.Clear();
            }
            else
            {
                var sanitized = SessionEventSanitizer.Sanitize(item.Event!, _filter);
                batch.Add(sanitized with { Sequence = item.Sink!.NextSequence() }, item.Sink!);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A redactor (or a tool result's serialisation) that throws must neither let text through nor stop the writer.
            Drop(item.Sink!, item.Call?.Slots ?? 1, DreamingTelemetry.DropReasons.RedactionError);
            LogRedactionFailed(_logger, item.Call?.SessionId ?? item.Event!.SessionId, ex);
        }
    }

    private async Task WriteBatchAsync(PendingBatch pending, TaskCompletionSource? flush = null)
    {
        try
        {
            if (pending.Sessions.Count == 0 && pending.Events.Count == 0)
            {
                return;
            }

            if (!BeginStoreWrite(pending, flush))
            {
                return;
            }

            try
            {
                await _store.WriteAsync(pending, _stopWrites.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_gaveUp)
            {
                // Disposal stopped waiting and cancelled the write; it has counted the batch.
            }
            finally
            {
                EndStoreWrite();
            }
        }
        finally
        {
            ReleaseRoom(pending);
        }
    }

    private void ReleaseRoom(PendingBatch pending)
    {
        if (pending.Slots > 0)
        {
            Interlocked.Add(ref _queuedEvents, -pending.Slots);
            DreamingTelemetry.AddQueued(-pending.Slots);
            var waiting = Volatile.Read(ref _waitingForRoom);
            if (waiting > 0)
            {
                _room.Release(waiting);
            }
        }

        pending.Clear();
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "A redactor failed on an event of session {SessionId}; the event was dropped rather than stored unredacted.")]
    private static partial void LogRedactionFailed(ILogger logger, string sessionId, Exception exception);
}
