namespace Dreaming;

/// <summary>An <see cref="IWebhookOutboxStore"/> in process memory: for tests and hosts that accept losing undelivered
/// webhooks on restart. Use the SQLite store (<c>UseSqliteStore</c>) to keep them.</summary>
/// <remarks>Thread-safe: every operation holds one lock. Times are kept at millisecond precision, as durable stores do.</remarks>
public sealed class InMemoryWebhookOutboxStore : IWebhookOutboxStore
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly List<WebhookDelivery> _deliveries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly HashSet<string> _eventIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WebhookEndpointState> _endpoints = new(StringComparer.Ordinal);

    // The pending rows by due time, then creation order, so a claim reads only what is due.
    private readonly SortedSet<(long DueMs, int Index)> _pending = [];

    /// <summary>Initializes a new instance.</summary>
    /// <param name="timeProvider">The clock that stamps new rows; the system clock when <see langword="null"/>.</param>
    public InMemoryWebhookOutboxStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckEnqueue(webhookEvent, endpointIds);
        var now = Milliseconds(_time.GetUtcNow());
        var body = webhookEvent.ToBody();
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<WebhookDelivery>>(cancellationToken);
        }

        lock (_lock)
        {
            if (endpointIds.Count == 0)
            {
                return Task.FromResult<IReadOnlyList<WebhookDelivery>>([]);
            }

            if (!_eventIds.Add(webhookEvent.Id))
            {
                throw new ArgumentException($"Webhook event '{webhookEvent.Id}' is already in the outbox.", nameof(webhookEvent));
            }

            var created = new List<WebhookDelivery>(endpointIds.Count);
            foreach (var endpointId in endpointIds.Distinct(StringComparer.Ordinal))
            {
                var delivery = WebhookDelivery.Pending(webhookEvent, endpointId, body, now);
                _index[delivery.Id] = _deliveries.Count;
                _pending.Add((now.ToUnixTimeMilliseconds(), _deliveries.Count));
                _deliveries.Add(delivery);
                created.Add(delivery);
            }

            return Task.FromResult<IReadOnlyList<WebhookDelivery>>(created);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) =>
        Claim(now, lease, limit, skipEndpoints: null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skipEndpoints);
        return Claim(now, lease, limit, skipEndpoints.Count == 0 ? null : skipEndpoints.ToHashSet(StringComparer.Ordinal), cancellationToken);
    }

    private Task<IReadOnlyList<WebhookDelivery>> Claim(DateTimeOffset now, TimeSpan lease, int limit, HashSet<string>? skipEndpoints, CancellationToken cancellationToken)
    {
        WebhookOutboxRules.CheckClaim(lease, limit);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<WebhookDelivery>>(cancellationToken);
        }

        now = Milliseconds(now);
        lock (_lock)
        {
            var nowMs = now.ToUnixTimeMilliseconds();
            var due = _pending.TakeWhile(p => p.DueMs <= nowMs)
                .Select(p => _deliveries[p.Index])
                .Where(d => skipEndpoints is null || !skipEndpoints.Contains(d.EndpointId))
                .Take(limit)
                .ToList();
            foreach (var delivery in due)
            {
                Replace(delivery with { NextAttemptAt = now + lease });
            }

            return Task.FromResult<IReadOnlyList<WebhookDelivery>>(due);
        }
    }

    /// <inheritdoc />
    public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)>(cancellationToken);
        }

        lock (_lock)
        {
            var delivery = Find(result.DeliveryId);
            var endpoint = Endpoint(delivery.EndpointId);
            if (WebhookOutboxRules.IsSettled(delivery))
            {
                return Task.FromResult((delivery, endpoint));
            }

            var updated = WebhookOutboxRules.Apply(delivery, result);
            Replace(updated);
            endpoint = endpoint with { ConsecutiveFailures = WebhookOutboxRules.ConsecutiveFailuresAfter(endpoint.ConsecutiveFailures, updated.State) };
            _endpoints[delivery.EndpointId] = endpoint;
            return Task.FromResult((updated, endpoint));
        }
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WebhookDelivery>(cancellationToken);
        }

        lock (_lock)
        {
            var dead = WebhookOutboxRules.Kill(Find(deliveryId), reason);
            Replace(dead);
            return Task.FromResult(dead);
        }
    }

    /// <inheritdoc />
    public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WebhookDelivery>(cancellationToken);
        }

        lock (_lock)
        {
            var replayed = WebhookOutboxRules.Replay(Find(deliveryId), Milliseconds(now));
            Replace(replayed);
            return Task.FromResult(replayed);
        }
    }

    /// <inheritdoc />
    public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<int>(cancellationToken);
        }

        lock (_lock)
        {
            var dead = _deliveries.Where(d => d.State == WebhookDeliveryState.Dead).ToList();
            foreach (var delivery in dead)
            {
                Replace(WebhookOutboxRules.Replay(delivery, Milliseconds(now)));
            }

            return Task.FromResult(dead.Count);
        }
    }

    /// <inheritdoc />
    public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WebhookDelivery?>(cancellationToken);
        }

        lock (_lock)
        {
            return Task.FromResult(_index.TryGetValue(deliveryId, out var i) ? _deliveries[i] : null);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        WebhookOutboxRules.CheckListLimit(limit);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<WebhookDelivery>>(cancellationToken);
        }

        lock (_lock)
        {
            IReadOnlyList<WebhookDelivery> page = Enumerable.Range(0, _deliveries.Count).Reverse()
                .Select(i => _deliveries[i])
                .Where(d => state is null || d.State == state)
                .Take(limit)
                .ToList();
            return Task.FromResult(page);
        }
    }

    /// <inheritdoc />
    public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointId);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WebhookEndpointState>(cancellationToken);
        }

        lock (_lock)
        {
            return Task.FromResult(Endpoint(endpointId));
        }
    }

    /// <inheritdoc />
    public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointId);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WebhookEndpointState>(cancellationToken);
        }

        lock (_lock)
        {
            var current = Endpoint(endpointId);
            if (reason is not null && current.IsDisabled)
            {
                // The first disabling stands: its reason and time are those of the failure that disabled the endpoint.
                return Task.FromResult(current);
            }

            var state = reason is null
                ? new WebhookEndpointState { EndpointId = endpointId }
                : current with { DisabledReason = reason, DisabledAt = Milliseconds(now) };
            _endpoints[endpointId] = state;
            return Task.FromResult(state);
        }
    }

    private static DateTimeOffset Milliseconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    private WebhookEndpointState Endpoint(string endpointId) =>
        _endpoints.TryGetValue(endpointId, out var state) ? state : new WebhookEndpointState { EndpointId = endpointId };

    private WebhookDelivery Find(string deliveryId)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        return _index.TryGetValue(deliveryId, out var i) ? _deliveries[i] : throw WebhookOutboxRules.NotFound(deliveryId);
    }

    private void Replace(WebhookDelivery delivery)
    {
        var index = _index[delivery.Id];
        var before = _deliveries[index];
        if (before.State == WebhookDeliveryState.Pending)
        {
            _pending.Remove((before.NextAttemptAt.ToUnixTimeMilliseconds(), index));
        }

        if (delivery.State == WebhookDeliveryState.Pending)
        {
            _pending.Add((delivery.NextAttemptAt.ToUnixTimeMilliseconds(), index));
        }

        _deliveries[index] = delivery;
    }
}
