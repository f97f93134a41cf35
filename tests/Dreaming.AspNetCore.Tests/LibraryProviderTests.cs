using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.AspNetCore.Tests;

/// <summary>A test class with the library's default registrations (the in-memory store), one provider per test.</summary>
public abstract class LibraryProviderTests : IAsyncLifetime
{
    /// <summary>Gets the provider made for the test.</summary>
    protected ServiceProvider Provider { get; private set; } = null!;

    /// <summary>Gets the provider's session factory.</summary>
    protected IAgentSessionFactory Sessions => Provider.GetRequiredService<IAgentSessionFactory>();

    /// <summary>Gets the provider's trace store.</summary>
    protected ITraceStore Store => Provider.GetRequiredService<ITraceStore>();

    public Task InitializeAsync()
    {
        Provider = new ServiceCollection().AddDreamingAgents().Services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Provider.DisposeAsync();
}
