using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dreaming.Tests.Webhooks;

/// <summary>The stores <c>AddWebhooks</c> wraps to announce their changes: a store chosen after it refused clearly, later
/// calls wrapping the stores chosen since once, a store the host wraps not announced twice, a memory change that makes a
/// dream run change announcing both, and a store that writes its own rows saying so.</summary>
public sealed class WebhookStoreWrappingTests
{
    [Fact]
    public void Choosing_a_store_after_AddWebhooks_fails_clearly_instead_of_losing_memory_events()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents().AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate()).UseInMemoryStore();
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WebhookOptions>>().Value);

        Assert.Contains("The IMemoryStore was chosen after AddWebhooks", exception.Message, StringComparison.Ordinal);
        Assert.Contains("The IDreamRunStore was chosen after AddWebhooks", exception.Message, StringComparison.Ordinal);

        // Every registration that chooses the stores is named, so an app on PostgreSQL is told what to move too.
        Assert.Contains("after UseSqliteStore, UsePostgresStore, UseInMemoryStore or UseMemoryStore", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_later_AddWebhooks_wraps_the_stores_chosen_since_the_first()
    {
        var memory = new InMemoryMemoryStore();
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*")
            .UseMemoryStore(_ => memory)
            .UseDreamRunStore<InMemoryDreamRunStore>()
            .AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate(), "memory.*");
        await using var provider = services.BuildServiceProvider();

        // Starts as the host would: the stores chosen in between are the ones announcing.
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
        var proposed = await provider.GetRequiredService<IMemoryStore>().ProposeAsync(
            new MemoryProposal { Scope = MemoryScope.Agent("bot"), Author = MemoryAuthor.Person("p"), Insights = [] });

        Assert.NotNull(await memory.GetVersionAsync(proposed.Id));
        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(["chat", "ci"], deliveries.Select(d => d.EndpointId).Order(StringComparer.Ordinal));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
    }

    [Fact]
    public async Task Calls_with_no_store_chosen_between_them_wrap_the_stores_once()
    {
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UseInMemoryStore()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*")
            .AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate(), "memory.*")
            .AddWebhooks();
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();
        await provider.GetRequiredService<IMemoryStore>().ProposeAsync(
            new MemoryProposal { Scope = MemoryScope.Agent("bot"), Author = MemoryAuthor.Person("p"), Insights = [] });

        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(["chat", "ci"], deliveries.Select(d => d.EndpointId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Stores_the_host_wraps_after_AddWebhooks_are_not_announced_twice_after_a_later_call()
    {
        // The host's own decorator (logging, caching) around the stores AddWebhooks wrapped, then a later
        // AddWebhookEndpoint, which wraps the decorators: each change must still be delivered once per endpoint.
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents()
            .UseInMemoryStore()
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*", "dream.*");
        HostDecorator.Redecorate<IMemoryStore>(services);
        HostDecorator.Redecorate<IDreamRunStore>(services);
        builder.AddWebhookEndpoint("chat", "https://chat.example.com/hook", WebhookSecret.Generate(), "memory.*", "dream.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();

        await provider.GetRequiredService<IMemoryStore>().ProposeAsync(
            new MemoryProposal { Scope = MemoryScope.Agent("bot"), Author = MemoryAuthor.Person("p"), Insights = [] });
        await CancelARunAsync(provider);

        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(
            ["chat dream.canceled", "chat memory.version_proposed", "ci dream.canceled", "ci memory.version_proposed"],
            deliveries.Select(d => $"{d.EndpointId} {d.EventType}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_memory_change_that_makes_a_dream_run_change_announces_both()
    {
        // Only a wrapper of the same kind takes a change over: a memory store whose proposal ends a dream run (through the
        // announcing run store) still announces the proposal.
        var services = new ServiceCollection();
        services.AddDreamingAgents()
            .UseInMemoryStore()
            .UseMemoryStore(sp => new RunEndingMemoryStore(new InMemoryMemoryStore(), sp))
            .AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*", "dream.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();

        await provider.GetRequiredService<IMemoryStore>().ProposeAsync(
            new MemoryProposal { Scope = MemoryScope.Agent("bot"), Author = MemoryAuthor.Person("p"), Insights = [] });

        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(["dream.canceled", "memory.version_proposed"], deliveries.Select(d => d.EventType).Order(StringComparer.Ordinal));
    }

    private sealed class RunEndingMemoryStore(InMemoryMemoryStore inner, IServiceProvider services) : ForwardingMemoryStore(inner)
    {
        public override async Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
        {
            var runs = services.GetRequiredService<IDreamRunStore>();
            var run = await runs.CreateAsync(new DreamRunRequest { Scope = proposal.Scope }, cancellationToken);
            await runs.CancelAsync(run.Id, cancellationToken);
            return await Inner.ProposeAsync(proposal, cancellationToken);
        }
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    public async Task A_store_behind_the_hosts_decorator_that_writes_its_own_rows_says_so_for_the_change(bool writes, int expected)
    {
        // The store "writes" its rows (here it writes none, so a row can only come from the wrapper): the wrapper, which
        // sees only the host's decorator, publishes only when the store does not say it writes them.
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents().UseInMemoryStore();
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.RemoveAll<IMemoryStore>(services);
        services.AddSingleton<IMemoryStore>(_ => new SelfWritingMemoryStore(writes));
        HostDecorator.Redecorate<IMemoryStore>(services);
        builder.AddWebhookEndpoint("ci", "https://ci.example.com/hook", WebhookSecret.Generate(), "memory.*", "dream.*");
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync();

        await provider.GetRequiredService<IMemoryStore>().ProposeAsync(
            new MemoryProposal { Scope = MemoryScope.Agent("bot"), Author = MemoryAuthor.Person("p"), Insights = [] });

        // A memory store's word is about memory changes only: the dream run wrapper still announces a run's end.
        await CancelARunAsync(provider);
        var deliveries = await provider.GetRequiredService<IWebhookOutboxStore>().ListAsync();
        Assert.Equal(expected, deliveries.Count(d => d.EventType == WebhookEventTypes.MemoryVersionProposed));
        Assert.Single(deliveries, d => d.EventType == WebhookEventTypes.DreamCanceled);
        Assert.Throws<ArgumentNullException>("store", () => WebhookStoreChange.WrittenBy((IMemoryWebhookWriter)null!));
    }

    // Creates, starts and cancels a run of the agent "bot": the dream run wrapper announces its end.
    private static async Task CancelARunAsync(IServiceProvider provider)
    {
        var runs = provider.GetRequiredService<IDreamRunStore>();
        var run = await runs.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Agent("bot") });
        await runs.StartAsync(run.Id, "host", TimeSpan.FromMinutes(1));
        await runs.CancelAsync(run.Id);
    }

    /// <summary>A memory store of the host's that says it writes its memory rows in its own transaction (and, for the test,
    /// writes none) when <c>writes</c> is set.</summary>
    private sealed class SelfWritingMemoryStore(bool writes) : ForwardingMemoryStore(new InMemoryMemoryStore()), IMemoryWebhookWriter
    {
        public bool WritesMemoryWebhooks => writes;

        public override Task<MemoryVersion> ProposeAsync(MemoryProposal proposal, CancellationToken cancellationToken = default)
        {
            WebhookStoreChange.WrittenBy(this);
            return base.ProposeAsync(proposal, cancellationToken);
        }
    }
}
