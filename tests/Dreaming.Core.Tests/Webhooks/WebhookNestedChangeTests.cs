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

    private sealed class RejectingMemoryStore(InMemoryMemoryStore inner, IServiceProvider services) : ForwardingMemoryStore(inner)
    {
        public override async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
        {
            // Rejects the pending proposal of the scope through the application's store, before adding the new one.
            var root = services.GetRequiredService<IMemoryStore>();
            foreach (var pending in (await Inner.ListVersionsAsync(proposal.Scope, 50, null, cancellationToken)).Where(v => v.State == MemoryVersionState.Proposed))
            {
                await root.RejectAsync(pending.Id, MemoryAuthor.Person("p"), "superseded", cancellationToken);
            }

            return await Inner.ProposeAsync(proposal, cancellationToken);
        }
    }
}
