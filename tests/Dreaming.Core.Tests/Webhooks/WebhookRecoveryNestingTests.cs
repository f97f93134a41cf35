using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary>A recovery through <see cref="IDreamRunStore.RecoverAsync"/> announces each run it ends once per endpoint when
/// the dream run store is wrapped twice (<c>AddWebhookEndpoint</c>, then the host's decorator, then another
/// <c>AddWebhookEndpoint</c>), whatever the decorator does with the member: forwards it, or, written before it existed,
/// leaves it to the interface's default, which runs <see cref="IDreamRunStore.RecoverAbandonedAsync"/>.</summary>
public sealed class WebhookRecoveryNestingTests
{
    public enum Decorator
    {
        /// <summary>A proxy forwarding every call (<see cref="HostDecorator"/>).</summary>
        Proxy,

        /// <summary>A <see cref="ForwardingDreamRunStore"/>, which forwards <see cref="IDreamRunStore.RecoverAsync"/>.</summary>
        Forwarding,

        /// <summary>A <see cref="ForwardingDreamRunStore"/> acting as one written before the member existed.</summary>
        ForwardingByDefault,

        /// <summary>A class of the host's implementing the interface as it was before the member existed.</summary>
        Older,
    }

    [Theory]
    [InlineData(Decorator.Proxy, false)]
    [InlineData(Decorator.Forwarding, false)]
    [InlineData(Decorator.ForwardingByDefault, false)]
    [InlineData(Decorator.Older, false)]
    [InlineData(Decorator.Proxy, true)]
    [InlineData(Decorator.Forwarding, true)]
    [InlineData(Decorator.ForwardingByDefault, true)]
    [InlineData(Decorator.Older, true)]
    public async Task A_recovery_through_a_store_wrapped_twice_around_the_hosts_decorator_is_announced_once_per_endpoint(Decorator decorator, bool throughRecoverAsync)
    {
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents()
            .UseInMemoryStore()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "dream.*");
        Redecorate(services, decorator);
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
            var inner = (IDreamRunStore)current.ImplementationFactory!(sp);
            return decorator switch
            {
                Decorator.Forwarding => new Forwarding(inner),
                Decorator.ForwardingByDefault => new ForwardingByDefault(inner),
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
