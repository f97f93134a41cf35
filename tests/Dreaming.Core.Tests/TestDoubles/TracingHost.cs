using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Tests;

/// <summary>A service provider with Dreaming added, a store to inspect, and a chat pipeline to call.</summary>
internal sealed class TracingHost : IAsyncDisposable
{
    private TracingHost(ServiceProvider services)
    {
        Services = services;
    }

    public ServiceProvider Services { get; }

    public ITraceStore Store => Services.GetRequiredService<ITraceStore>();

    public IAgentSessionFactory Sessions => Services.GetRequiredService<IAgentSessionFactory>();

    public IChatClient Chat => Services.GetRequiredService<IChatClient>();

    public static TracingHost Create(
        IChatClient inner,
        Action<ChatClientBuilder>? pipeline = null,
        Action<DreamingOptions>? options = null,
        ITraceStore? store = null,
        Action<IDreamingBuilder>? dreaming = null,
        Action<IServiceCollection>? services = null)
    {
        var collection = new ServiceCollection();
        var builder = collection.AddDreamingAgents(options);
        if (store is not null)
        {
            builder.UseTraceStore(_ => store);
        }

        dreaming?.Invoke(builder);
        var chat = collection.AddChatClient(inner);
        if (pipeline is null)
        {
            chat.UseDreaming();
        }
        else
        {
            pipeline(chat);
        }

        services?.Invoke(collection);
        return new TracingHost(collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    public async Task<IReadOnlyList<SessionEvent>> EventsAsync(string sessionId) => await Store.GetEventsAsync(sessionId);

    // Bounded: a writer that never drains (a recording left counted, a store that never returns) fails the test that
    // disposes the host rather than hanging the run.
    public async ValueTask DisposeAsync() => await Services.DisposeAsync().WithinAsync("disposing the host (and its trace writer)");
}
