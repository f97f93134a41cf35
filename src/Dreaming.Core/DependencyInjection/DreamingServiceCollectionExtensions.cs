using Dreaming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Dreaming.Core in a service collection.</summary>
public static class DreamingServiceCollectionExtensions
{
    /// <summary>Adds session tracing (the session factory, the background trace writer, redaction, the importer, the
    /// <see cref="DreamingHealthCheck"/> to add with <c>AddHealthChecks().AddCheck&lt;DreamingHealthCheck&gt;("dreaming")</c> and,
    /// unless another is chosen, the in-memory trace, memory and dream run stores) and outcomes (the rubric evaluator and the outcome runner;
    /// add a grader model with <c>AddGrader</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">An optional callback to set <see cref="DreamingOptions"/>.</param>
    /// <returns>A builder to choose the store and add redactors.</returns>
    /// <remarks>
    /// Options are validated when the host starts (<c>ValidateOnStart</c>), or on first use without a host; an invalid
    /// value fails with an <see cref="OptionsValidationException"/> whose message names the setting. Calling this more
    /// than once adds the services once and applies every <paramref name="configure"/> callback; a later call leaves the
    /// choices made in between (a store, <c>UseComplianceRedaction</c>) as they are.
    /// </remarks>
    public static IDreamingBuilder AddDreamingAgents(this IServiceCollection services, Action<DreamingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        // A later call only adds its options: the built-in redactor in particular is added once, so a call after
        // UseComplianceRedaction (or after the host removed it) does not bring it back.
        var first = !services.Any(static d => d.ServiceType == typeof(TraceContentFilter));
        var options = services.AddOptions<DreamingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DreamingOptions>, DreamingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITraceStore, InMemoryTraceStore>();
        services.TryAddSingleton<IMemoryStore, InMemoryMemoryStore>();
        services.TryAddSingleton<IDreamRunStore, InMemoryDreamRunStore>();
        services.AddOptions<CurationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CurationOptions>, CurationOptionsValidator>());
        services.AddOptions<MiningOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MiningOptions>, MiningOptionsValidator>());
        services.TryAddSingleton<IDreamConsolidator, DreamConsolidator>();
        services.TryAddSingleton<DreamJobs>();
        services.TryAddSingleton<MemoryInjector>();
        services.TryAddSingleton<TraceWriter>();
        services.TryAddSingleton<TraceContentFilter>();
        services.TryAddSingleton(static sp => new DreamingHealthCheck(
            sp.GetRequiredService<TraceWriter>(),
            sp.GetRequiredService<TraceContentFilter>(),
            sp.GetService<WebhookDispatcher>(),
            sp.GetService<DreamScheduler>(),
            sp.GetService<SessionRetention>()));
        services.TryAddSingleton<IAgentSessionFactory, AgentSessionFactory>();
        services.TryAddSingleton<IAgentSessionAccessor, AmbientAgentSessionAccessor>();
        services.TryAddSingleton(static sp => new SessionImporter(
            sp.GetRequiredService<ITraceStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetRequiredService<TraceContentFilter>().Apply,
            sp.GetRequiredService<IOptions<DreamingOptions>>().Value.CostOf,
            sp.GetService<ILogger<SessionImporter>>()));
        services.TryAddSingleton<IRubricEvaluator>(static sp => new RubricEvaluator(sp.GetService<ModelGrader>(), sp.GetService<ILogger<RubricEvaluator>>()));
        // Built here so that it publishes a custom session factory's sessions through the registered redactors.
        services.TryAddSingleton<IOutcomeRunner>(static sp => new OutcomeRunner(
            sp.GetRequiredService<IAgentSessionFactory>(),
            sp.GetRequiredService<IRubricEvaluator>(),
            sp.GetService<ILogger<OutcomeRunner>>(),
            sp.GetService<IWebhookPublisher>(),
            sp.GetRequiredService<TraceContentFilter>()));
        if (first)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<ITraceContentRedactor, SecretPatternRedactor>(static _ => new SecretPatternRedactor()));
        }

        return new DreamingBuilder(services);
    }

    /// <summary>Adds session tracing and outcomes as <see cref="AddDreamingAgents(IServiceCollection, Action{DreamingOptions})"/>
    /// does, with <see cref="DreamingOptions"/> bound from configuration, such as the <c>Dreaming</c> section
    /// (<c>AgentId</c>, <c>WriteQueueCapacity</c>, <c>Backpressure</c>, <c>WriteDrainTimeout</c>, <c>UnscopedCalls</c>, ...).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind; its subsections for other options (<c>Webhooks</c>, <c>Sqlite</c>)
    /// are ignored here.</param>
    /// <param name="configure">An optional callback applied after the binding, for what configuration cannot hold
    /// (<see cref="DreamingOptions.CostOf"/>, a delegate) or to override a bound value.</param>
    /// <returns>A builder to choose the store and add redactors.</returns>
    /// <remarks>
    /// The section is read when the options are first resolved (at the host's start), so a reloaded section is not
    /// applied to a running host. Options are validated at start as with the callback form: a value out of range fails
    /// with an <see cref="OptionsValidationException"/> naming the option (<c>DreamingOptions.WriteQueueCapacity is 0; …</c>),
    /// one that cannot be converted with the binder's <see cref="InvalidOperationException"/> naming the key
    /// (<c>'abc' at 'Dreaming:WriteDrainTimeout'</c>); an empty value (an environment variable set to nothing) leaves the
    /// option's default, as the configuration binding source generator that binds it does. Thread-safety and repeated calls are as for the callback form.
    /// </remarks>
    public static IDreamingBuilder AddDreamingAgents(this IServiceCollection services, IConfiguration configuration, Action<DreamingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DreamingOptions>().Bind(configuration);
        return services.AddDreamingAgents(configure);
    }
}
