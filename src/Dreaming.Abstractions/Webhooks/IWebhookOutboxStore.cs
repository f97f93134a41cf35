namespace Dreaming;

/// <summary>The durable outbox of webhooks: one row per event and endpoint, with where its delivery stands, and what delivery
/// learnt about each endpoint.</summary>
/// <remarks>
/// <para>Implementations must be safe to call from several threads (and, for shared storage, several processes) and must
/// pass <c>WebhookOutboxStoreConformanceTests</c> in <c>Dreaming.Testing</c>. Times are kept at millisecond precision, in UTC.</para>
/// <para>Nothing is ever deleted: a delivery ends <see cref="WebhookDeliveryState.Delivered"/> or as a
/// <see cref="WebhookDeliveryState.Dead"/> letter that <see cref="ReplayAsync"/> puts back in line.</para>
/// </remarks>
public interface IWebhookOutboxStore
{
    /// <summary>Creates or migrates the storage if needed. Idempotent; other members call it on first use.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds an event with one pending delivery per endpoint, due at once, atomically.</summary>
    /// <param name="webhookEvent">The event; its body is serialised once here and never changes.</param>
    /// <param name="endpointIds">The endpoints it goes to; nothing is written when empty.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The deliveries created.</returns>
    /// <exception cref="ArgumentException">The event id is already in the outbox.</exception>
    Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default);

    /// <summary>Claims pending deliveries that are due, oldest due first, by moving their next attempt to
    /// <paramref name="now"/> + <paramref name="lease"/>: a dispatcher that dies mid-attempt leaves them due again when
    /// the lease ends, so nothing is lost (it may be sent twice, with the same <c>webhook-id</c>).</summary>
    /// <param name="now">The time.</param>
    /// <param name="lease">How long the claim holds; longer than one attempt takes, and at most
    /// <see cref="WebhookOutboxRules.MaxClaimLease"/> (a longer one is refused, as <see cref="WebhookOutboxRules.CheckClaim"/> does).</param>
    /// <param name="limit">The most to claim.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed deliveries, as they were before the claim.</returns>
    Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default);

    /// <summary>Claims as <see cref="ClaimDueAsync"/> does, but only deliveries to endpoints other than
    /// <paramref name="skipEndpoints"/>: the dispatcher names the endpoints that already have as many attempts in flight as
    /// it allows, so that a slow or hanging endpoint's backlog does not take the claims other endpoints' deliveries need.</summary>
    /// <param name="now">The time.</param>
    /// <param name="lease">How long the claim holds; longer than one attempt takes, and at most
    /// <see cref="WebhookOutboxRules.MaxClaimLease"/> (a longer one is refused, as <see cref="WebhookOutboxRules.CheckClaim"/> does).</param>
    /// <param name="limit">The most to claim.</param>
    /// <param name="skipEndpoints">The endpoints whose deliveries are left alone; empty for none.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed deliveries, as they were before the claim.</returns>
    /// <remarks>Both stores of the library implement it. The default implementation, for stores written before it existed,
    /// ignores <paramref name="skipEndpoints"/>; delivery stays correct and the dispatcher still sends no more than
    /// <c>WebhookOptions.BatchSize</c> attempts to one endpoint at once, but the rows it then claims for a busy endpoint
    /// wait, unsent, until their claim runs out, and take claims other endpoints' rows need.</remarks>
    Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
        ClaimDueAsync(now, lease, limit, cancellationToken);

    /// <summary>Routes events written to the outbox without deliveries (unrouted events: a process without webhook endpoints,
    /// such as the <c>dreaming</c> tool, changed memory or ran a dream on a store that keeps them): each gets one pending
    /// delivery, due at once, per endpoint <paramref name="endpointsFor"/> names for its type, and stops being unrouted, in
    /// one atomic step per call, so two dispatchers on one store never route an event twice. An event no endpoint
    /// subscribes to is dropped from the unrouted events (the event itself stays, with no delivery).</summary>
    /// <param name="endpointsFor">Gives the ids of the caller's endpoints that subscribe to an event type; empty for none.
    /// Called while the store holds its write lock: it must be quick and must not call the store.</param>
    /// <param name="now">When the deliveries are written and due.</param>
    /// <param name="limit">The most events to route, oldest first; 1 or more.</param>
    /// <param name="cancellationToken">Cancels the operation; nothing is routed when it is canceled before the step commits.</param>
    /// <returns>How many events were routed (got at least one delivery) and how many were dropped (no endpoint subscribes).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpointsFor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <remarks>The <c>WebhookDispatcher</c> calls it at each pass. The SQLite outbox implements it (its memory and dream
    /// run stores write unrouted events with <c>SqliteTraceStoreOptions.WriteUnroutedWebhooks</c>). The default
    /// implementation, for stores that hold no unrouted events (the in-memory outbox, stores written before it existed),
    /// routes nothing and returns zeros. Thread-safe.</remarks>
    Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpointsFor);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult((0, 0));
    }

    /// <summary>Records an attempt: delivered, retried at <see cref="WebhookAttemptResult.NextAttemptAt"/>, or dead. Counts the
    /// attempt and updates the endpoint's run of consecutive failures (see <see cref="WebhookOutboxRules.ConsecutiveFailuresAfter"/>).
    /// A result reported late for a delivery that is already delivered changes neither the delivery nor the endpoint, which
    /// are returned as they are.</summary>
    /// <param name="result">The attempt.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The delivery and the endpoint's state after the attempt.</returns>
    /// <exception cref="KeyNotFoundException">No delivery has that id.</exception>
    Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default);

    /// <summary>Makes a delivery a dead letter without an attempt (its endpoint is disabled, or the row can never be sent);
    /// one that is already delivered stays delivered and is returned as it is (see <see cref="WebhookOutboxRules.Kill"/>).
    /// It is not an attempt: the attempts and the endpoint's run of consecutive failures are left as they are.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The delivery.</returns>
    /// <exception cref="KeyNotFoundException">No delivery has that id.</exception>
    Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default);

    /// <summary>Puts a delivery back in line, due at <paramref name="now"/> with its attempts reset, whatever its state.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="now">When it is due.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The delivery.</returns>
    /// <exception cref="KeyNotFoundException">No delivery has that id.</exception>
    Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Puts every dead letter back in line, due at <paramref name="now"/>.</summary>
    /// <param name="now">When they are due.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were replayed.</returns>
    Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Gets a delivery.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The delivery, or <see langword="null"/>.</returns>
    Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Lists deliveries, newest first.</summary>
    /// <param name="state">Only this state, or <see langword="null"/> for all.</param>
    /// <param name="limit">The most to return, 1 to 10 000.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The deliveries.</returns>
    Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Gets what delivery learnt about an endpoint.</summary>
    /// <param name="endpointId">The endpoint id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The state; enabled with no failures for an endpoint never seen.</returns>
    Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default);

    /// <summary>Disables an endpoint (it answered 410, or failed too often), or enables it again with <paramref name="reason"/>
    /// <see langword="null"/>, which also resets its failures.</summary>
    /// <remarks>Disabling an endpoint that is already disabled changes nothing: the first reason and time stand, and the
    /// state returned is the stored one, so a caller whose reason is not in it knows another caller (another dispatcher
    /// on the same store) disabled the endpoint first. The check and the change are one atomic step.</remarks>
    /// <param name="endpointId">The endpoint id.</param>
    /// <param name="reason">Why it is disabled, or <see langword="null"/> to enable it.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The state now stored: when the endpoint was already disabled, with the reason and time it already had.</returns>
    Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default);
}
