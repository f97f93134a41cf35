using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace Dreaming.Tests;

public class InMemoryStoreRegistrationTests
{
    [Fact]
    public async Task UseInMemoryStore_replaces_every_registered_store_with_one_singleton()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Substitute.For<ITraceStore>());
        services.AddSingleton(Substitute.For<ITraceStore>());
        var builder = services.AddDreamingAgents();

        Assert.Same(builder, builder.UseInMemoryStore());

        Assert.Single(services, descriptor => descriptor.ServiceType == typeof(ITraceStore));
        await using var provider = services.BuildServiceProvider();
        var store = Assert.IsType<InMemoryTraceStore>(provider.GetRequiredService<ITraceStore>());
        Assert.Same(store, provider.GetRequiredService<ITraceStore>());
    }
}
