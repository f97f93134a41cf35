using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Dreams.Runs;

public class DreamRunStoreRegistrationTests
{
    [Fact]
    public async Task AddDreamingAgents_falls_back_to_one_in_memory_dream_run_store_on_the_registered_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents();
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var store = Assert.IsType<InMemoryDreamRunStore>(provider.GetRequiredService<IDreamRunStore>());
        Assert.Same(store, provider.GetRequiredService<IDreamRunStore>());
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IDreamRunStore));
        var run = await store.CreateAsync(new DreamRunRequest { Scope = MemoryScope.Global });
        Assert.Equal(clock.GetUtcNow(), run.RequestedAt);
    }

    [Fact]
    public void A_dream_run_store_registered_before_AddDreamingAgents_is_kept()
    {
        var custom = Substitute.For<IDreamRunStore>();
        var services = new ServiceCollection();
        services.AddSingleton(custom);
        services.AddDreamingAgents();
        using var provider = services.BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<IDreamRunStore>());
    }

    [Fact]
    public void UseInMemoryStore_replaces_a_registered_dream_run_store()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Substitute.For<IDreamRunStore>());
        services.AddDreamingAgents().UseInMemoryStore();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<InMemoryDreamRunStore>(provider.GetRequiredService<IDreamRunStore>());
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IDreamRunStore));
    }
}
