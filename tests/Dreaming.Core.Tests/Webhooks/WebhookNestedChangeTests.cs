using Microsoft.Extensions.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookNestedChangeTests
{
    [Fact]
    public async Task A_proposal_whose_store_rejects_the_pending_version_through_the_application_store_announces_both()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UseInMemoryStore()
            .UseMemoryStore(sp => new RejectingMemoryStore(new InMemoryMemoryStore(), sp))
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
        var store = provider.GetRequiredService<IMemoryStore>();
        var scope = MemoryScope.Agent("bot");
        await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("p"), Insights = [] });
        await store.ProposeAsync(new MemoryProposal { Scope = scope, Author = MemoryAuthor.Person("p"), Insights = [] });

        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(["memory.version_proposed", "memory.version_proposed", "memory.version_rejected"], deliveries.Select(d => d.EventType).Order(StringComparer.Ordinal));
    }

    private sealed class RejectingMemoryStore(InMemoryMemoryStore inner, IServiceProvider services) : IMemoryStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
        {
            // Rejects the pending proposal of the scope through the application's store, before adding the new one.
            var root = services.GetRequiredService<IMemoryStore>();
            foreach (var pending in (await inner.ListVersionsAsync(proposal.Scope, 50, null, cancellationToken)).Where(v => v.State == MemoryVersionState.Proposed))
            {
                await root.RejectAsync(pending.Id, MemoryAuthor.Person("p"), "superseded", cancellationToken);
            }

            return await inner.ProposeAsync(proposal, cancellationToken);
        }

        public Task<MemoryVersion?> GetVersionAsync(string versionId, CancellationToken cancellationToken = default) => inner.GetVersionAsync(versionId, cancellationToken);

        public Task<MemoryVersion?> GetActiveVersionAsync(MemoryScope scope, CancellationToken cancellationToken = default) => inner.GetActiveVersionAsync(scope, cancellationToken);

        public Task<IReadOnlyList<MemoryVersionSummary>> ListVersionsAsync(MemoryScope scope, int limit = 50, int? beforeNumber = null, CancellationToken cancellationToken = default) =>
            inner.ListVersionsAsync(scope, limit, beforeNumber, cancellationToken);

        public Task<MemoryVersion> ApproveAsync(string versionId, MemoryAuthor reviewer, CancellationToken cancellationToken = default) => inner.ApproveAsync(versionId, reviewer, cancellationToken);

        public Task<MemoryVersion> RejectAsync(string versionId, MemoryAuthor reviewer, string? reason = null, CancellationToken cancellationToken = default) => inner.RejectAsync(versionId, reviewer, reason, cancellationToken);

        public Task<MemoryVersion> EditAsync(string versionId, MemoryEdit edit, CancellationToken cancellationToken = default) => inner.EditAsync(versionId, edit, cancellationToken);

        public Task<MemoryVersion> RollbackAsync(string versionId, MemoryAuthor author, string? note = null, CancellationToken cancellationToken = default) => inner.RollbackAsync(versionId, author, note, cancellationToken);

        public Task<MemoryDiff> DiffAsync(string fromVersionId, string toVersionId, CancellationToken cancellationToken = default) => inner.DiffAsync(fromVersionId, toVersionId, cancellationToken);
    }
}
