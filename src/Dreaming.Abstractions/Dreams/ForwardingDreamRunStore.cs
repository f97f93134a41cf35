namespace Dreaming;

/// <summary>A dream run store that passes every member of <see cref="IDreamRunStore"/> to an inner store: derive from it
/// and override only the members a decorator changes (counting, timing out a lease renewal, failing a completion).</summary>
/// <remarks>
/// <para>Every member forwards to <see cref="Inner"/> with the caller's arguments and token, so a member added to
/// <see cref="IDreamRunStore"/> later, with a default implementation, reaches the inner store's own implementation through
/// a decorator derived from this class once the class forwards it, instead of running the default over the decorator.</para>
/// <para>Abstract, because an instance that overrides nothing is only the inner store again. It implements no other
/// interface of the inner store: not <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> (the inner store belongs
/// to whoever made it; a derived class that owns it disposes it itself), nor <see cref="IDreamRunWebhookWriter"/>, which
/// a decorator hides, as the library expects of any decorator.</para>
/// <para>Adds no allocation per call: each member is one virtual call and the inner store's.</para>
/// </remarks>
public abstract class ForwardingDreamRunStore : IDreamRunStore
{
    /// <summary>Initializes a new instance of the <see cref="ForwardingDreamRunStore"/> class.</summary>
    /// <param name="inner">The store every member is passed to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is <see langword="null"/>.</exception>
    protected ForwardingDreamRunStore(IDreamRunStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>Gets the store every member is passed to.</summary>
    protected IDreamRunStore Inner { get; }

    /// <inheritdoc/>
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => Inner.InitializeAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) =>
        Inner.CreateAsync(request, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        Inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        Inner.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
        Inner.UpdateProgressAsync(runId, results, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
        Inner.CompleteAsync(runId, results, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default) =>
        Inner.FailAsync(runId, reason, results, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default) => Inner.CancelAsync(runId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => Inner.GetAsync(runId, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) =>
        Inner.ListAsync(scope, limit, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner store: its own listing, or the interface's default (<see cref="NotSupportedException"/>)
    /// when it has none. To act as a store written before the member existed, override it with
    /// <see cref="QueryRunsByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
        Inner.QueryRunsAsync(query, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
        Inner.GetLastCompletedAsync(scope, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
        Inner.RecoverAbandonedAsync(now, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Forwards to the inner store: its own recovery, or the interface's default when it has none. To act as a store
    /// written before the member existed, override it with <see cref="RecoverByInterfaceDefaultAsync"/>.</remarks>
    public virtual Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
        Inner.RecoverAsync(recovery, cancellationToken);

    /// <summary>Runs <see cref="IDreamRunStore"/>'s default implementation of <see cref="IDreamRunStore.QueryRunsAsync"/>
    /// over this store: it checks the query and fails with <see cref="NotSupportedException"/>, as a store written before
    /// the member existed, or gives a canceled task for a canceled token.</summary>
    /// <param name="query">The query, checked as the default checks it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the interface's default gives: a task that fails with <see cref="NotSupportedException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="query"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The query's limit or status is out of range.</exception>
    protected Task<DreamRunPage> QueryRunsByInterfaceDefaultAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
        IDreamRunStore.QueryRunsNotSupported(this, query, cancellationToken);

    /// <summary>Runs <see cref="IDreamRunStore"/>'s default implementation of <see cref="IDreamRunStore.RecoverAsync"/> over
    /// this store, as a store written before the member existed: <see cref="RecoverAbandonedAsync"/> for the default
    /// recovery, <see cref="NotSupportedException"/> for one that names a scope or a time the lease must have expired for.</summary>
    /// <param name="recovery">Which runs to end, checked as the default checks it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What the interface's default gives.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="recovery"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The recovery's <see cref="DreamRunRecovery.ExpiredFor"/> is out of range.</exception>
    protected Task<IReadOnlyList<DreamRun>> RecoverByInterfaceDefaultAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
        IDreamRunStore.RecoverByDefault(this, recovery, cancellationToken);
}
