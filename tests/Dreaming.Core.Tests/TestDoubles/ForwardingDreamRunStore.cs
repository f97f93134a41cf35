namespace Dreaming.Tests;

/// <summary>A dream run store that forwards everything to another; derive to change one member.</summary>
internal class ForwardingDreamRunStore(IDreamRunStore inner) : IDreamRunStore
{
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public virtual Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);

    public virtual Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken);

    public virtual Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        inner.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken);

    public virtual Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) => inner.UpdateProgressAsync(runId, results, cancellationToken);

    public virtual Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) => inner.CompleteAsync(runId, results, cancellationToken);

    public virtual Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default) => inner.FailAsync(runId, reason, results, cancellationToken);

    public virtual Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default) => inner.CancelAsync(runId, cancellationToken);

    public virtual Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

    public virtual Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) => inner.ListAsync(scope, limit, cancellationToken);

    public virtual Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) => inner.GetLastCompletedAsync(scope, cancellationToken);

    public virtual Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) => inner.RecoverAbandonedAsync(now, cancellationToken);
}
