using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Dreaming.Tests.Memory;

public class MemoryStoreRegistrationTests
{
    [Fact]
    public async Task AddDreamingAgents_falls_back_to_one_in_memory_memory_store_on_the_registered_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddDreamingAgents();
        services.AddDreamingAgents();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var store = Assert.IsType<InMemoryMemoryStore>(provider.GetRequiredService<IMemoryStore>());
        Assert.Same(store, provider.GetRequiredService<IMemoryStore>());
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IMemoryStore));
        var version = await store.ProposeAsync(new MemoryProposal { Scope = MemoryScope.Global, Author = MemoryAuthor.Person("p"), Insights = [] });
        Assert.Equal(clock.GetUtcNow(), version.CreatedAt);
    }

    [Fact]
    public void A_memory_store_registered_before_AddDreamingAgents_is_kept()
    {
        var custom = Substitute.For<IMemoryStore>();
        var services = new ServiceCollection();
        services.AddSingleton(custom);
        services.AddDreamingAgents();
        using var provider = services.BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<IMemoryStore>());
    }

    [Fact]
    public void UseMemoryStore_and_UseInMemoryMemoryStore_replace_every_registered_store()
    {
        var custom = Substitute.For<IMemoryStore>();
        var services = new ServiceCollection();
        var builder = services.AddDreamingAgents();

        Assert.Same(builder, builder.UseMemoryStore(_ => custom));
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Same(custom, provider.GetRequiredService<IMemoryStore>());
        }

        Assert.Same(builder, builder.UseInMemoryMemoryStore());
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IMemoryStore));
        using (var provider = services.BuildServiceProvider())
        {
            Assert.IsType<InMemoryMemoryStore>(provider.GetRequiredService<IMemoryStore>());
        }

        builder.UseMemoryStore<InMemoryMemoryStore>();
        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(IMemoryStore));
    }
}
