namespace Dreaming;

/// <summary>A webhook outbox that passes every member of <see cref="IWebhookOutboxStore"/> to an inner outbox: derive
/// from it and override only the members a decorator changes (counting claims, holding a round, rewriting what is read).</summary>
/// <remarks>
/// <para>Every member forwards to <see cref="Inner"/>, the default interface members too
/// (<see cref="ClaimDueExceptAsync"/>, <see cref="RouteUnroutedAsync"/>), so a decorator over the SQLite or PostgreSQL
/// outbox keeps that outbox's own claim that leaves busy endpoints' rows alone and its routing of the events written
/// without deliveries. A derived class that wants the interface's default instead (to act as an outbox written before the
/// member existed) overrides the member with <see cref="ClaimDueExceptByInterfaceDefaultAsync"/> or
/// <see cref="RouteUnroutedByInterfaceDefaultAsync"/>.</para>
/// <para>Abstract, because an instance that overrides nothing is only the inner outbox again. It implements no other
/// interface of the inner outbox: not <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> (the inner outbox
/// belongs to whoever made it; a derived class that owns it disposes it itself).</para>
/// <para>Adds no allocation per call: each member is one virtual call and the inner outbox's. Its one field, an adapter
/// for the <c>...ByInterfaceDefaultAsync</c> helpers, is made the first time one of them is called.</para>
/// </remarks>
public abstract class ForwardingWebhookOutboxStore : IWebhookOutboxStore
{
    private IWebhookOutboxStore? _interfaceDefaults;

    /// <summary>Initializes a new instance of the <see cref="ForwardingWebhookOutboxStore"/> class.</summary>
    /// <param name="inner">The outbox every member is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    protected ForwardingWebhookOutboxStore(IWebhookOutboxStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the outbox every member is passed to.</summary>
    protected IWebhookOutboxStore Inner { get; }

    /// <inheritdoc/>
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
        Inner.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) =>
        Inner.ClaimDueAsync(now, lease, limit, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner outbox's own implementation (or, for an outbox that has none, the interface's
    /// default over the inner outbox's <see cref="IWebhookOutboxStore.ClaimDueAsync"/>). An override of
    /// <see cref="ClaimDueAsync"/> alone therefore does not see these claims, which are the ones the dispatcher makes; to
    /// have them go through it, override this member with <see cref="ClaimDueExceptByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
        Inner.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner outbox: the routing of an outbox that holds unrouted events, nothing routed of one
    /// that does not. To act as an outbox that holds none, override this member with
    /// <see cref="RouteUnroutedByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        Inner.RouteUnroutedAsync(endpointsFor, now, limit, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) =>
        Inner.RecordAttemptAsync(result, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) =>
        Inner.KillAsync(deliveryId, reason, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Inner.ReplayAsync(deliveryId, now, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => Inner.ReplayDeadAsync(now, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) => Inner.GetAsync(deliveryId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Inner.ListAsync(state, limit, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) =>
        Inner.GetEndpointAsync(endpointId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Inner.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken);

    /// <summary>Runs <see cref="IWebhookOutboxStore"/>'s default implementation of
    /// <see cref="IWebhookOutboxStore.ClaimDueExceptAsync"/> over this outbox: it ignores <paramref name="skipEndpoints"/>
    /// and claims with this outbox's <see cref="ClaimDueAsync"/> (an override of it included).</summary>
    /// <param name="now">The time.</param>
    /// <param name="lease">How long the claim holds.</param>
    /// <param name="limit">The most to claim.</param>
    /// <param name="skipEndpoints">The endpoints the default does not leave alone.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed deliveries, as the interface's default gives them.</returns>
    protected Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptByInterfaceDefaultAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
        InterfaceDefaults.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken);

    /// <summary>Runs <see cref="IWebhookOutboxStore"/>'s default implementation of
    /// <see cref="IWebhookOutboxStore.RouteUnroutedAsync"/>: it checks the arguments and routes nothing, as an outbox that
    /// holds no unrouted events, or throws for a canceled token.</summary>
    /// <param name="endpointsFor">Gives the ids of the endpoints that subscribe to an event type; not called.</param>
    /// <param name="now">When the deliveries would be written.</param>
    /// <param name="limit">The most events to route; 1 or more.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Zero routed and zero dropped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpointsFor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> is canceled.</exception>
    protected Task<(int Routed, int Dropped)> RouteUnroutedByInterfaceDefaultAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        InterfaceDefaults.RouteUnroutedAsync(endpointsFor, now, limit, cancellationToken);

    // Made on first use only; two threads may each make one, and either does.
    private IWebhookOutboxStore InterfaceDefaults => _interfaceDefaults ??= new DefaultsOf(this);

    /// <summary>This outbox as an outbox that implements none of the default interface members, so that calling one of
    /// them runs the interface's own default (C# has no syntax to call it from a class that implements the member).</summary>
    private sealed class DefaultsOf(ForwardingWebhookOutboxStore store) : IWebhookOutboxStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => store.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
            store.EnqueueAsync(webhookEvent, endpointIds, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) =>
            store.ClaimDueAsync(now, lease, limit, cancellationToken);

        public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) =>
            store.RecordAttemptAsync(result, cancellationToken);

        public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) => store.KillAsync(deliveryId, reason, cancellationToken);

        public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) => store.ReplayAsync(deliveryId, now, cancellationToken);

        public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => store.ReplayDeadAsync(now, cancellationToken);

        public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) => store.GetAsync(deliveryId, cancellationToken);

        public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
            store.ListAsync(state, limit, cancellationToken);

        public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) => store.GetEndpointAsync(endpointId, cancellationToken);

        public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            store.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken);
    }
}
