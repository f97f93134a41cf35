using Dreaming.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Sqlite.Tests.Webhooks;

/// <summary>On SQLite, whose dream run store writes a recovered run's <c>dream.failed</c> in the transaction that ends the
/// run, a recovery (<see cref="IDreamRunStore.RecoverAsync"/> or <see cref="IDreamRunStore.RecoverAbandonedAsync"/>) is
/// announced once per endpoint, neither twice nor skipped, whatever the host's decorator around the store does with the two
/// recovery members (forwards both, overrides only one of them, serves <see cref="IDreamRunStore.RecoverAsync"/> with the
/// interface's default, or predates it), and wherever it sits: between two webhook wrappers, or under the only one (it
/// then hides the store's own writing of the rows from the wrapper). The in-memory store's version is
/// <c>WebhookRecoveryNestingTests</c> in Dreaming.Core.Tests.</summary>
public sealed class SqliteWebhookRecoveryNestingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public enum Decorator
    {
        /// <summary>A proxy forwarding every call (<see cref="HostDecorator"/>).</summary>
        Proxy,

        /// <summary>A <see cref="ForwardingDreamRunStore"/> that overrides nothing.</summary>
        Forwarding,

        /// <summary>A <see cref="ForwardingDreamRunStore"/> serving <see cref="IDreamRunStore.RecoverAsync"/> with the interface's default.</summary>
        ForwardingByDefault,

        /// <summary>A <see cref="ForwardingDreamRunStore"/> overriding only <see cref="IDreamRunStore.RecoverAbandonedAsync"/>.</summary>
        OnlyRecoverAbandoned,

        /// <summary>A <see cref="ForwardingDreamRunStore"/> overriding only <see cref="IDreamRunStore.RecoverAsync"/>.</summary>
        OnlyRecoverAsync,

        /// <summary>A class of the host's implementing the interface as it was before <see cref="IDreamRunStore.RecoverAsync"/>.</summary>
        Older,
    }

    public static TheoryData<Decorator, bool, bool> Cases()
    {
        var cases = new TheoryData<Decorator, bool, bool>();
        foreach (var decorator in Enum.GetValues<Decorator>())
        {
            foreach (var between in new[] { true, false })
            {
                cases.Add(decorator, between, true);
                cases.Add(decorator, between, false);
            }
        }

        return cases;
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_recovery_through_the_hosts_decorator_is_announced_once_per_endpoint(Decorator decorator, bool betweenTwoWrappers, bool throughRecoverAsync)
    {
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseSqliteStore(_folder.File($"{decorator}-{betweenTwoWrappers}-{throughRecoverAsync}.db"));
        if (betweenTwoWrappers)
        {
            builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        }

        Redecorate(services, decorator);
        if (!betweenTwoWrappers)
        {
            builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        }

        builder.AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate(), "dream.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
        var runs = provider.GetRequiredService<IDreamRunStore>();
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await runs.StartAsync(run.Id, "dead", TimeSpan.FromMinutes(1));
        var later = DateTimeOffset.UtcNow.AddHours(1);

        var recovered = throughRecoverAsync
            ? await runs.RecoverAsync(new DreamRunRecovery { Now = later })
            : await runs.RecoverAbandonedAsync(later);

        Assert.Equal(run.Id, Assert.Single(recovered).Id);
        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(
            ["chat dream.failed", "ci dream.failed"],
            deliveries.Select(d => $"{d.EndpointId} {d.EventType}").Order(StringComparer.Ordinal));
    }

    private static void Redecorate(IServiceCollection services, Decorator decorator)
    {
        if (decorator == Decorator.Proxy)
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
                Decorator.Forwarding => new Forwarding(inner),
                Decorator.ForwardingByDefault => new ForwardingByDefault(inner),
                Decorator.OnlyRecoverAbandoned => new OnlyRecoverAbandoned(inner),
                Decorator.OnlyRecoverAsync => new OnlyRecoverAsync(inner),
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

    // A host's decorator compiled before IDreamRunStore.RecoverAsync existed: the interface's defaults serve it.
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
