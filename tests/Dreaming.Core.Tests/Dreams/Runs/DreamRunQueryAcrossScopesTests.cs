using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Dreams.Runs;

/// <summary><see cref="IDreamRunStore.QueryRunsAsync"/> reaches the store's own listing through every wrapper the library
/// puts around it, and a store written before it says it does not list across scopes.</summary>
public sealed class DreamRunQueryAcrossScopesTests
{
    [Fact]
    public async Task A_store_written_before_it_fails_with_not_supported_naming_the_store_after_checking_the_query()
    {
        IDreamRunStore store = new HandWrittenBeforeQueryRuns(new InMemoryDreamRunStore());

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => store.QueryRunsAsync(new DreamRunQuery()));
        var limit = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.QueryRunsAsync(new DreamRunQuery { Limit = 0 }));

        Assert.Contains(typeof(HandWrittenBeforeQueryRuns).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("ListAsync", error.Message, StringComparison.Ordinal);
        Assert.Equal("Limit", limit.ParamName);
        Assert.Equal(0, limit.ActualValue);
    }

    [Fact]
    public async Task A_forwarding_store_passes_the_query_to_its_inner_store()
    {
        var inner = new InMemoryDreamRunStore();
        var run = await inner.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Team("t") });

        var page = await new Plain(inner).QueryRunsAsync(new DreamRunQuery { Status = DreamRunStatus.Pending });

        Assert.Equal([run.Id], page.Items.Select(r => r.Id));
        await Assert.ThrowsAsync<NotSupportedException>(() => new Plain(new HandWrittenBeforeQueryRuns(inner)).QueryRunsAsync(new DreamRunQuery()));
        var old = await Assert.ThrowsAsync<NotSupportedException>(() => new ActingOld(inner).QueryRunsAsync(new DreamRunQuery()));
        Assert.StartsWith($"The dream run store {typeof(ActingOld).FullName} does not list runs across scopes", old.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_webhook_wrapper_of_a_host_with_webhooks_passes_the_query_to_the_store()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhooks(options => options.Endpoints.Add(Webhooks.WebhookPublishingTests.Endpoint("ci", "dream.failed")));
        await using var provider = services.BuildServiceProvider();
        var runs = provider.GetRequiredService<IDreamRunStore>();
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });

        var page = await runs.QueryRunsAsync(new DreamRunQuery());

        Assert.IsNotType<InMemoryDreamRunStore>(runs);
        Assert.Equal([run.Id], page.Items.Select(r => r.Id));
    }

    private sealed class Plain(IDreamRunStore inner) : ForwardingDreamRunStore(inner);

    private sealed class ActingOld(IDreamRunStore inner) : ForwardingDreamRunStore(inner)
    {
        public override Task<DreamRunPage> QueryRunsAsync(DreamRunQuery query, CancellationToken cancellationToken = default) =>
            QueryRunsByInterfaceDefaultAsync(query, cancellationToken);
    }

    // A third-party store compiled before QueryRunsAsync existed: every other member, nothing more.
    private sealed class HandWrittenBeforeQueryRuns(IDreamRunStore inner) : IDreamRunStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task<DreamRun> CreateAsync(DreamRunRequest request, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);

        public Task<DreamRun> StartAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.StartAsync(runId, leaseHolder, leaseDuration, cancellationToken);

        public Task<DreamRun> RenewLeaseAsync(string runId, string leaseHolder, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(runId, leaseHolder, leaseDuration, cancellationToken);

        public Task<DreamRun> UpdateProgressAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) => inner.UpdateProgressAsync(runId, results, cancellationToken);

        public Task<DreamRun> CompleteAsync(string runId, DreamRunResults results, CancellationToken cancellationToken = default) => inner.CompleteAsync(runId, results, cancellationToken);

        public Task<DreamRun> FailAsync(string runId, string reason, DreamRunResults? results = null, CancellationToken cancellationToken = default) => inner.FailAsync(runId, reason, results, cancellationToken);

        public Task<DreamRun> CancelAsync(string runId, CancellationToken cancellationToken = default) => inner.CancelAsync(runId, cancellationToken);

        public Task<DreamRun?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

        public Task<IReadOnlyList<DreamRun>> ListAsync(MemoryScope scope, int limit = 50, CancellationToken cancellationToken = default) => inner.ListAsync(scope, limit, cancellationToken);

        public Task<DreamRun?> GetLastCompletedAsync(MemoryScope scope, CancellationToken cancellationToken = default) => inner.GetLastCompletedAsync(scope, cancellationToken);

        public Task<IReadOnlyList<DreamRun>> RecoverAbandonedAsync(DateTimeOffset? now = null, CancellationToken cancellationToken = default) => inner.RecoverAbandonedAsync(now, cancellationToken);
    }
}
