using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Dreaming;

/// <summary>Writes the trace writer's batches to the store: one transaction per batch, retried when the failure may be
/// transient, then split per session so that one bad session cannot take others' events down with it.</summary>
/// <remarks>What still fails is counted as dropped on its session (reason <c>store_error</c>), logged, and recorded in
/// <see cref="Health"/>, as is each batch written whole.</remarks>
internal sealed partial class TraceBatchStore(ITraceStore store, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Gets what the writes have come to, for the health check.</summary>
    public TraceWriterHealth Health { get; } = new();

    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(50),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
        })
        .Build();

    /// <summary>Writes the batch, counting what cannot be written as dropped.</summary>
    /// <param name="pending">The batch.</param>
    /// <param name="cancellationToken">Cancelled only when the writer has stopped waiting for the store at shutdown
    /// (<see cref="DreamingOptions.WriteDrainTimeout"/>): the batch has then been counted as dropped already, so the
    /// cancellation is thrown (whatever exception the store threw for it), without the per-session retries or, if they
    /// had begun, the rest of them; nothing of the batch is then written or counted again.</param>
    public async Task WriteAsync(PendingBatch pending, CancellationToken cancellationToken)
    {
        if (pending.Sessions.Count == 0 && pending.Events.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var batch = new TraceWriteBatch(pending.Sessions.ToArray(), pending.Events.ToArray());
            await _retry.ExecuteAsync(static (state, ct) => new ValueTask(state.Store.WriteAsync(state.Batch, ct)), (Store: store, Batch: batch), cancellationToken).ConfigureAwait(false);
            Health.Succeeded(timeProvider.GetUtcNow());
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(ex, cancellationToken);
        }
        catch (Exception ex)
        {
            LogBatchFailed(logger, pending.Sessions.Count, pending.Events.Count, ex);
            await WriteIsolatedAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            DreamingTelemetry.WriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    // A store may throw its own exception when cancelled (a closed connection, a provider's "operation cancelled").
    private static OperationCanceledException Cancelled(Exception ex, CancellationToken cancellationToken) =>
        new("The trace writer stopped waiting for the trace store (DreamingOptions.WriteDrainTimeout).", ex, cancellationToken);

    // Each write is checked against the token before its result is counted: once disposal has given up it has counted the
    // whole batch, so a failure here must not be counted again (store_error), nor the rest written.
    private async Task WriteIsolatedAsync(PendingBatch pending, CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        long eventsLost = 0;
        var sessionsLost = 0;
        for (var i = 0; i < pending.Sessions.Count; i++)
        {
            var session = pending.Sessions[i];
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                await store.WriteAsync(new TraceWriteBatch([session], []), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                throw Cancelled(ex, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // Its events must not be stored: under its id they would land in the session that owns it, if any.
                pending.Creations[i].Fail(ex);
                LogSessionLost(logger, session.Id, ex);
                lastError = ex;
                sessionsLost++;
            }
        }

        foreach (var run in pending.RunsBySession())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (run.Sink.Creation.Error is not null)
            {
                TraceWriter.Drop(run.Sink, run.Events.Count, DreamingTelemetry.DropReasons.StoreError);
                eventsLost += run.Events.Count;
                continue;
            }

            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                await store.WriteAsync(TraceWriteBatch.OfEvents(run.Events), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                throw Cancelled(ex, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                TraceWriter.Drop(run.Sink, run.Events.Count, DreamingTelemetry.DropReasons.StoreError);
                LogEventsLost(logger, run.Events.Count, run.Events[0].SessionId, ex);
                lastError = ex;
                eventsLost += run.Events.Count;
            }
        }

        // Events of a session that was never created (its id was taken earlier) count as lost, though the store itself
        // did not fail on them: the batch is a failure only when the store failed on something.
        if (lastError is not null)
        {
            Health.Failed(timeProvider.GetUtcNow(), lastError, eventsLost, sessionsLost);
        }
        else
        {
            Health.Lost(eventsLost);
            Health.Succeeded(timeProvider.GetUtcNow());
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is not (SessionStateException or SessionNotFoundException or ArgumentException or OperationCanceledException or ObjectDisposedException);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Writing a trace batch of {SessionCount} sessions and {EventCount} events failed; retrying per session.")]
    private static partial void LogBatchFailed(ILogger logger, int sessionCount, int eventCount, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Session {SessionId} could not be created in the trace store.")]
    private static partial void LogSessionLost(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Count} events of session {SessionId} could not be stored and were counted as dropped.")]
    private static partial void LogEventsLost(ILogger logger, int count, string sessionId, Exception exception);
}
