namespace Dreaming.Cli;

/// <summary>The webhook outbox of a PostgreSQL schema that does not hold the outbox's tables yet
/// (<see cref="NotYetMadeStore{TStore}"/>): its reads find nothing and create nothing, as an empty outbox would answer,
/// until the app's first webhook event makes the tables; a change (the view's disabling of an endpoint, which finds
/// nothing first) goes to the database's outbox, which makes its tables then, as the app's would, or fails naming the
/// database (a role that may only read). Once the tables are there, the reads go there too.</summary>
/// <param name="database">The PostgreSQL outbox on the schema.</param>
/// <param name="components">The schema's components.</param>
internal sealed class NotYetMadeOutbox(IWebhookOutboxStore database, SchemaComponents components)
    : NotYetMadeStore<IWebhookOutboxStore>(database, new InMemoryWebhookOutboxStore(), components, CliServices.WebhooksComponent), IWebhookOutboxStore
{
    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).InitializeAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
        ChangeAsync(store => store.EnqueueAsync(webhookEvent, endpointIds, cancellationToken));

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ClaimDueAsync(now, lease, limit, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RouteUnroutedAsync(endpointsFor, now, limit, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RecordAttemptAsync(result, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).KillAsync(deliveryId, reason, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ReplayAsync(deliveryId, now, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ReplayDeadAsync(now, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetAsync(deliveryId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ListAsync(state, limit, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetEndpointAsync(endpointId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ChangeAsync(store => store.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken));

    /// <summary>Writes an unrouted event to the database's outbox, which makes its tables (<see cref="PostgreSql.PostgresWebhookOutboxStore.EnqueueUnroutedAsync"/>).</summary>
    public Task EnqueueUnroutedAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken) =>
        ChangeAsync(async store =>
        {
            await ((PostgreSql.PostgresWebhookOutboxStore)store).EnqueueUnroutedAsync(webhookEvent, cancellationToken).ConfigureAwait(false);
            return true;
        });

    // The changes that find nothing first (the others, of a delivery, find none in the empty outbox and fail as it does).
    private async Task<T> ChangeAsync<T>(Func<IWebhookOutboxStore, Task<T>> change)
    {
        var result = await change(Database).ConfigureAwait(false);
        Made();
        return result;
    }
}
