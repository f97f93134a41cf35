using Dreaming;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the orchestrator to an <see cref="IDreamingBuilder"/>.</summary>
public static class OrchestrationDreamingBuilderExtensions
{
    /// <summary>Registers <see cref="IOrchestrator"/>: runs plans of work items on several agents, each item in a child session.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">An optional callback to set <see cref="OrchestratorOptions"/>.</param>
    /// <param name="coordinator">Creates (once) the coordinator model that plans goals and synthesises answers, or <see langword="null"/>
    /// for none (host plans only; the answer is then the outputs of the items nothing depends on, unless the request has a delegate).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>Options are validated when the host starts (<c>ValidateOnStart</c>). Roster and coordinator clients without
    /// <c>UseDreaming()</c> get it, so every item's model calls are recorded in its child session; every registered
    /// <see cref="IOrchestrationObserver"/> hears every run's events. The orchestrator is added with <c>TryAdd</c>, so an
    /// <see cref="IOrchestrator"/> the host registered first is kept; calling this again adds its options, and its
    /// <paramref name="coordinator"/> when one is given.</remarks>
    public static IDreamingBuilder AddOrchestrator(this IDreamingBuilder builder, Action<OrchestratorOptions>? configure = null, Func<IServiceProvider, IChatClient>? coordinator = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<OrchestratorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrchestratorOptions>, OrchestratorOptionsValidator>());
        // The last coordinator given wins, so a later call that only sets options keeps it; the orchestrator itself is
        // added once, and only when the host has not registered its own.
        if (coordinator is not null || !builder.Services.Any(static d => d.ServiceType == typeof(OrchestratorCoordinator)))
        {
            builder.Services.RemoveAll<OrchestratorCoordinator>();
            builder.Services.AddSingleton(new OrchestratorCoordinator(coordinator));
        }

        builder.Services.TryAddSingleton<IOrchestrator>(static sp =>
        {
            return new Orchestrator(
                sp.GetRequiredService<IAgentSessionFactory>(),
                sp.GetRequiredService<IOutcomeRunner>(),
                sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value,
                sp.GetRequiredService<OrchestratorCoordinator>().Factory?.Invoke(sp),
                sp.GetServices<IOrchestrationObserver>(),
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<Orchestrator>>(),
                client => client.GetService<DreamingChatClient>() is null ? DreamingChatClientBuilderExtensions.Create(client, sp) : client,
                sp.GetService<TraceContentFilter>() ?? TraceContentFilter.BuiltIn);
        });
        return builder;
    }
}

/// <summary>The coordinator factory <c>AddOrchestrator</c> was given last.</summary>
/// <param name="Factory">Creates the coordinator model, or <see langword="null"/> for none.</param>
internal sealed record OrchestratorCoordinator(Func<IServiceProvider, IChatClient>? Factory);
