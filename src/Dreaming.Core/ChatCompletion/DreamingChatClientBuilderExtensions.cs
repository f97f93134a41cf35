using Dreaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="DreamingChatClient"/> to a chat pipeline.</summary>
public static class DreamingChatClientBuilderExtensions
{
    /// <summary>Records every call of the pipeline into the ambient agent session.</summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="configure">An optional callback to configure the created client, such as the agent id of its calls
    /// outside any session (<c>c =&gt; c.AgentId = "billing"</c>).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Requires <c>services.AddDreamingAgents()</c> in the service provider the pipeline is built with. Put it before
    /// <c>UseFunctionInvocation()</c> (outside) to record one step per user turn, or after it (inside) to record each model
    /// round trip with its own latency and usage; tool calls and results are recorded once either way.
    /// </remarks>
    public static ChatClientBuilder UseDreaming(this ChatClientBuilder builder, Action<DreamingChatClient>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var client = Create(inner, services);
            configure?.Invoke(client);
            return client;
        });
    }

    /// <summary>Makes the client that records <paramref name="inner"/>'s calls, from the Dreaming services.</summary>
    internal static DreamingChatClient Create(IChatClient inner, IServiceProvider services)
    {
        var factory = services.GetService<IAgentSessionFactory>()
            ?? throw new InvalidOperationException("UseDreaming() needs the Dreaming services: call services.AddDreamingAgents() on the service collection the chat client is built from.");
        return new DreamingChatClient(
            inner,
            services.GetRequiredService<IAgentSessionAccessor>(),
            factory,
            services.GetRequiredService<IOptions<DreamingOptions>>().Value,
            services.GetService<MemoryInjector>(),
            services.GetService<ILogger<DreamingChatClient>>());
    }
}
