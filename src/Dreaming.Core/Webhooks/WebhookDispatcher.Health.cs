namespace Dreaming;

/// <summary>The dispatcher's health, for <see cref="DreamingHealthCheck"/>: the dead letters it made since it started,
/// and the configured endpoints that delivery disabled.</summary>
public sealed partial class WebhookDispatcher
{
    private long _deadSinceStart;
    private volatile string? _lastDeadEndpoint;

    // The dead letters of each configured, enabled endpoint since its last delivery by this dispatcher: what makes the health check
    // degraded, so that an endpoint that delivers again (a receiver back up, its dead letters replayed) heals it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _deadSinceDelivered = new(StringComparer.Ordinal);

    /// <summary>Reads the dispatcher's health: the dead letters this dispatcher made since it started (and the endpoint of
    /// the last), and the configured, enabled endpoints the outbox store holds disabled (by this dispatcher, another one on
    /// the same store, or before a restart). Endpoints disabled in configuration are left out: that is the operator's choice.</summary>
    /// <param name="cancellationToken">Cancels reading the outbox.</param>
    internal async Task<WebhookDispatcherHealth> GetHealthAsync(CancellationToken cancellationToken)
    {
        List<WebhookEndpointState>? disabled = null;
        foreach (var (id, configured) in _endpoints)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!configured.Endpoint.Enabled)
            {
                continue;
            }

            var state = await _outbox.GetEndpointAsync(id, cancellationToken).ConfigureAwait(false);
            if (state.IsDisabled)
            {
                (disabled ??= []).Add(state);
            }
        }

        disabled?.Sort(static (a, b) => string.CompareOrdinal(a.EndpointId, b.EndpointId));
        var failing = _deadSinceDelivered.Where(static e => e.Value > 0).OrderBy(static e => e.Key, StringComparer.Ordinal).Select(static e => (e.Key, e.Value)).ToArray();
        return new WebhookDispatcherHealth(Interlocked.Read(ref _deadSinceStart), _lastDeadEndpoint, (IReadOnlyList<WebhookEndpointState>?)disabled ?? [], failing);
    }

    private void CountDead(string endpointId)
    {
        Interlocked.Increment(ref _deadSinceStart);
        _lastDeadEndpoint = endpointId;

        // Only a configured, enabled endpoint can deliver again and heal the check; the rows left for one no longer
        // configured (its URL changed, so its id did) die once more on a replay, and those of one switched off in
        // configuration (Enabled = false, the operator's choice) die as long as it stays off: either would keep the check
        // degraded until a restart.
        if (_endpoints.TryGetValue(endpointId, out var configured) && configured.Endpoint.Enabled)
        {
            _deadSinceDelivered.AddOrUpdate(endpointId, 1, static (_, count) => count + 1);
        }
    }

    private void CountDelivered(string endpointId)
    {
        // ContainsKey reads without a lock (IsEmpty would take every lock of the dictionary on each delivery).
        if (_deadSinceDelivered.ContainsKey(endpointId))
        {
            _deadSinceDelivered.TryRemove(endpointId, out _);
        }
    }
}

/// <summary>What <see cref="WebhookDispatcher.GetHealthAsync"/> found.</summary>
/// <param name="DeadLettersSinceStart">The dead letters this dispatcher made since it started.</param>
/// <param name="LastDeadEndpoint">The endpoint of the last of them, or <see langword="null"/>.</param>
/// <param name="DisabledEndpoints">The configured, enabled endpoints the outbox holds disabled, by id.</param>
/// <param name="DeadSinceDelivered">The configured, enabled endpoints with dead letters since this dispatcher last delivered to them, by
/// id, with how many.</param>
internal sealed record WebhookDispatcherHealth(long DeadLettersSinceStart, string? LastDeadEndpoint, IReadOnlyList<WebhookEndpointState> DisabledEndpoints, IReadOnlyList<(string EndpointId, long DeadLetters)> DeadSinceDelivered);
