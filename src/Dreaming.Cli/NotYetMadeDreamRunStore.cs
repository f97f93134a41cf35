namespace Dreaming.Cli;

/// <summary>The dream run store of a PostgreSQL schema without the dream run tables yet, or the memory tables it writes
/// to as well (<see cref="NotYetMadeStore{TStore}"/>): no runs until the app's first dream makes them.</summary>
/// <param name="database">The PostgreSQL dream run store on the schema.</param>
/// <param name="components">The schema's components.</param>
internal sealed class NotYetMadeDreamRunStore(IDreamRunStore database, SchemaComponents components)
    : NotYetMadeStore<IDreamRunStore>(database, new InMemoryDreamRunStore(), components, CliServices.MemoryComponent, CliServices.DreamRunsComponent), IDreamRunStore
{
    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).InitializeAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(request, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).StartAsync(runId, leaseHolder, leaseDuration, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).UpdateProgressAsync(runId, results, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).CompleteAsync(runId, results, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).FailAsync(runId, reason, results, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).CancelAsync(runId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetAsync(runId, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).ListAsync(scope, limit, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).QueryRunsAsync(query, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).GetLastCompletedAsync(scope, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RecoverAbandonedAsync(now, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
        await (await StoreAsync(cancellationToken).ConfigureAwait(false)).RecoverAsync(recovery, cancellationToken).ConfigureAwait(false);
}
