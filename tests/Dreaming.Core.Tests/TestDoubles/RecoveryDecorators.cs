using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>What a host's decorator around its dream run store does with the two recovery members
/// (<see cref="IDreamRunStore.RecoverAsync"/> and <see cref="IDreamRunStore.RecoverAbandonedAsync"/>), for the tests that
/// check a recovery is announced once per endpoint wherever such a decorator sits among the webhook wrappers.</summary>
public enum RecoveryDecorator
{
    /// <summary>A proxy forwarding every call (<see cref="HostDecorator"/>).</summary>
    Proxy,

    /// <summary>A <see cref="ForwardingDreamRunStore"/> that overrides nothing.</summary>
    Forwarding,

    /// <summary>A <see cref="ForwardingDreamRunStore"/> serving <see cref="IDreamRunStore.RecoverAsync"/> with the interface's
    /// default, as one written before the member existed.</summary>
    ForwardingByDefault,

    /// <summary>A <see cref="ForwardingDreamRunStore"/> overriding only <see cref="IDreamRunStore.RecoverAbandonedAsync"/>.</summary>
    OnlyRecoverAbandoned,

    /// <summary>A <see cref="ForwardingDreamRunStore"/> overriding only <see cref="IDreamRunStore.RecoverAsync"/>.</summary>
    OnlyRecoverAsync,

    /// <summary>A class of the host's implementing the interface as it was before <see cref="IDreamRunStore.RecoverAsync"/>.</summary>
    Older,
}

/// <summary>Puts a <see cref="RecoveryDecorator"/> around the dream run store registered last (shared by the in-memory and
/// SQLite recovery nesting tests).</summary>
internal static class RecoveryDecorators
{
    /// <summary>Replaces the last <see cref="IDreamRunStore"/> registration (a factory or an instance) with one that wraps it
    /// in <paramref name="decorator"/>.</summary>
    public static void Redecorate(IServiceCollection services, RecoveryDecorator decorator)
    {
        if (decorator == RecoveryDecorator.Proxy)
        {
            HostDecorator.Redecorate<IDreamRunStore>(services);
            return;
        }

        var current = services.Last(d => d.ServiceType == typeof(IDreamRunStore));
        services.Remove(current);
        services.AddSingleton<IDreamRunStore>(sp =>
        {
            var inner = current.ImplementationFactory is { } factory ? (IDreamRunStore)factory(sp) : (IDreamRunStore)current.ImplementationInstance!;
            return decorator switch
            {
                RecoveryDecorator.Forwarding => new Forwarding(inner),
                RecoveryDecorator.ForwardingByDefault => new ForwardingByDefault(inner),
                RecoveryDecorator.OnlyRecoverAbandoned => new OnlyRecoverAbandoned(inner),
                RecoveryDecorator.OnlyRecoverAsync => new OnlyRecoverAsync(inner),
                _ => new HandWrittenOlder(inner),
            };
        });
    }

    private sealed class Forwarding(IDreamRunStore inner) : ForwardingDreamRunStore(inner);

    private sealed class ForwardingByDefault(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
            RecoverByInterfaceDefaultAsync(recovery, cancellationToken);
    }

    // A host's decorator that times the recovery it knew of (here: passes it on), and leaves RecoverAsync to the base class.
    private sealed class OnlyRecoverAbandoned(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override async Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
            await base.RecoverAbandonedAsync(now, cancellationToken).ConfigureAwait(false);
    }

    // A host's decorator that times RecoverAsync (here: passes it on), and leaves RecoverAbandonedAsync to the base class.
    private sealed class OnlyRecoverAsync(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override async Task<IReadOnlyList<DreamRun>> RecoverAsync(DreamRunRecovery recovery, CancellationToken cancellationToken = default) =>
            await base.RecoverAsync(recovery, cancellationToken).ConfigureAwait(false);
    }

    // A host's decorator compiled before IDreamRunStore.RecoverAsync existed: the interface's defaults serve it (HandWritten..., so
    // StoreDoublesTests lets it keep them).
    private sealed class HandWrittenOlder(IDreamRunStore inner) : IDreamRunStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);

        public Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken);

        public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
            inner.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken);

        public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
            inner.UpdateProgressAsync(runId, results, cancellationToken);

        public Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) =>
            inner.CompleteAsync(runId, results, cancellationToken);

        public Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default) =>
            inner.FailAsync(runId, reason, results, cancellationToken);

        public Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default) => inner.CancelAsync(runId, cancellationToken);

        public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

        public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) =>
            inner.ListAsync(scope, limit, cancellationToken);

        public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) =>
            inner.GetLastCompletedAsync(scope, cancellationToken);

        public Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) =>
            inner.RecoverAbandonedAsync(now, cancellationToken);
    }
}
