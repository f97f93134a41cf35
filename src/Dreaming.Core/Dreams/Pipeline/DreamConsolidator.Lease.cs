using Microsoft.Extensions.Logging;

namespace Dreaming;

// The lease a running dream holds on its scope.
public sealed partial class DreamConsolidator
{
    /// <summary>Renews a running dream's lease, and stops the dream when the store says it was canceled or failed.</summary>
    private sealed class LeaseKeeper(DreamConsolidator owner, string runId, string holder, CancellationTokenSource stop)
    {
        public string? StoppedInStore { get; private set; }

        public async Task KeepAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(LeaseDuration / 3, owner._timeProvider, stop.Token).ConfigureAwait(false);
                    await owner._runs.RenewLeaseAsync(runId, holder, LeaseDuration, stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (DreamRunStateException ex)
                {
                    StoppedInStore = ex.Message;
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A store that is briefly unavailable: try again at the next interval, while the lease still holds.
                    LogLeaseRenewalFailed(owner._logger, runId, ex);
                }
            }
        }

        // Renews the lease once more: a run canceled or failed in the store is refused, and the version is written under a
        // fresh lease even when renewals failed for longer than the lease lasts (a store out of reach), so no other process
        // can take the scope over while it is written.
        public async Task EnsureStillRunningAsync(CancellationToken cancellationToken)
        {
            try
            {
                _ = await owner._runs.RenewLeaseAsync(runId, holder, LeaseDuration, cancellationToken).ConfigureAwait(false);
            }
            catch (DreamRunStateException ex)
            {
                StoppedInStore = ex.Message;
                throw new DreamRunStateException($"Dream run {runId} stopped before its memory version was written: {ex.Message}", ex);
            }
            catch (DreamRunNotFoundException ex)
            {
                StoppedInStore = "the run is gone from the store";
                throw new DreamRunStateException($"Dream run {runId} stopped before its memory version was written: {StoppedInStore}.", ex);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                // The renewal could not be made (a store briefly unavailable): at least check the run was not ended.
                LogLeaseRenewalFailed(owner._logger, runId, ex);
                var current = await owner._runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
                if (current is not { Status: DreamRunStatus.Running } || !string.Equals(current.LeaseHolder, holder, StringComparison.Ordinal))
                {
                    StoppedInStore = current is null ? "the run is gone from the store" : $"the run is {current.Status.ToString().ToLowerInvariant()} in the store";
                    throw new DreamRunStateException($"Dream run {runId} stopped before its memory version was written: {StoppedInStore}.");
                }
            }
        }
    }

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Dream {RunId} stopped without writing memory: {Reason}.")]
    private static partial void LogDreamStoppedInStore(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 54, Level = LogLevel.Warning, Message = "Renewing the lease of dream {RunId} failed; it is tried again at the next interval.")]
    private static partial void LogLeaseRenewalFailed(ILogger logger, string runId, Exception exception);
}
