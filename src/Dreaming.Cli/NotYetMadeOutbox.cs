namespace Dreaming.Cli;

/// <summary>The webhook outbox of a PostgreSQL schema that does not hold the outbox's tables yet
/// (<see cref="CliServices.ReadMissingAsEmpty"/>): its reads find nothing and create nothing, as an empty outbox would
/// answer; a change (the view's disabling of an endpoint, which finds nothing first) goes to the database's outbox, which
/// makes its tables then, as the app's would, or fails naming the database (a role that may only read). Once a change
/// went there, the reads go there too.</summary>
/// <param name="database">The PostgreSQL outbox on the schema.</param>
internal sealed class NotYetMadeOutbox(IWebhookOutboxStore database) : IWebhookOutboxStore, IAsyncDisposable
{
    private readonly InMemoryWebhookOutboxStore _empty = new();
    private volatile bool _made;

    /// <summary>Gets the outbox the reads go to: the empty one until a change made the database's tables.</summary>
    public IWebhookOutboxStore Current => _made ? database : _empty;

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _empty.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> EnqueueAsync(WebhookEvent webhookEvent, IReadOnlyList<string> endpointIds, CancellationToken cancellationToken = default) =>
        ChangeAsync(store => store.EnqueueAsync(webhookEvent, endpointIds, cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueAsync(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default) =>
        Current.ClaimDueAsync(now, lease, limit, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ClaimDueExceptAsync(DateTimeOffset now, TimeSpan lease, int limit, IReadOnlyCollection<string> skipEndpoints, CancellationToken cancellationToken = default) =>
        Current.ClaimDueExceptAsync(now, lease, limit, skipEndpoints, cancellationToken);

    /// <inheritdoc />
    public Task<(int Routed, int Dropped)> RouteUnroutedAsync(Func<string, IReadOnlyList<string>> endpointsFor, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        Current.RouteUnroutedAsync(endpointsFor, now, limit, cancellationToken);

    /// <inheritdoc />
    public Task<(WebhookDelivery Delivery, WebhookEndpointState Endpoint)> RecordAttemptAsync(WebhookAttemptResult result, CancellationToken cancellationToken = default) =>
        Current.RecordAttemptAsync(result, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookDelivery> KillAsync(string deliveryId, string reason, CancellationToken cancellationToken = default) =>
        Current.KillAsync(deliveryId, reason, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookDelivery> ReplayAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Current.ReplayAsync(deliveryId, now, cancellationToken);

    /// <inheritdoc />
    public Task<int> ReplayDeadAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Current.ReplayDeadAsync(now, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken = default) =>
        Current.GetAsync(deliveryId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<WebhookDelivery>> ListAsync(WebhookDeliveryState? state = null, int limit = 100, CancellationToken cancellationToken = default) =>
        Current.ListAsync(state, limit, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookEndpointState> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) =>
        Current.GetEndpointAsync(endpointId, cancellationToken);

    /// <inheritdoc />
    public Task<WebhookEndpointState> SetEndpointDisabledAsync(string endpointId, string? reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ChangeAsync(store => store.SetEndpointDisabledAsync(endpointId, reason, now, cancellationToken));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => database is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    // The changes that find nothing first (the others, of a delivery, find none in the empty outbox and fail as it does).
    private async Task<T> ChangeAsync<T>(Func<IWebhookOutboxStore, Task<T>> change)
    {
        var result = await change(database).ConfigureAwait(false);
        _made = true;
        return result;
    }
}
