namespace Dreaming;

/// <summary>Wakes the dispatcher when the outbox gets a row, so a delivery does not wait for the next poll.</summary>
internal sealed class WebhookDispatchSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer woke it first; one wake-up is enough.
            }
            catch (ObjectDisposedException)
            {
                // The host is gone (a write committed during shutdown, or an attempt that outlived the host's stop
                // timeout): there is no loop left to wake, and the change itself is stored.
            }
        }
    }

    /// <summary>Waits for a wake-up or the timeout (timed on <paramref name="timeProvider"/>, so tests can move it).</summary>
    /// <returns><see langword="true"/> when woken.</returns>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, timeProvider, linked.Token);
        var wake = _signal.WaitAsync(linked.Token);
        var first = await Task.WhenAny(delay, wake).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var woken = first == wake && wake.IsCompletedSuccessfully;

        // A wake-up that lands after this is harmless: the caller looks for due deliveries next anyway.
        await linked.CancelAsync().ConfigureAwait(false);
        return woken;
    }

    public void Dispose() => _signal.Dispose();
}
