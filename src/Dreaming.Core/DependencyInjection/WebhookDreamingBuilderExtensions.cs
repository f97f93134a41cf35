using Dreaming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds signed, durable webhook delivery to an <see cref="IDreamingBuilder"/>.</summary>
public static class WebhookDreamingBuilderExtensions
{
    /// <summary>Adds webhooks: the publisher the library's components raise events through, the outbox (in memory unless
    /// <c>UseSqliteStore</c> put it in the database file), and the <see cref="WebhookDispatcher"/> hosted service.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the endpoints and settings.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// <para>Call it after choosing the stores (<c>UseSqliteStore</c>, <c>UseMemoryStore</c>, <c>UseDreamRunStore</c>, ...):
    /// it wraps the memory and dream run stores registered at that point so that they announce their changes; a later call
    /// (say <c>AddWebhookEndpoint</c>) wraps the stores chosen since. The host fails to start, saying so, when a store was
    /// chosen after the last call. A store wrapped twice (the host's own decorator put around it after one call, then wrapped
    /// by the next) announces each change once.</para>
    /// <para>The settings are validated when the host starts; a bad URL or secret fails the start with a message naming the
    /// setting. With no endpoint, nothing is written and publishing costs next to nothing.</para>
    /// </remarks>
    public static IDreamingBuilder AddWebhooks(this IDreamingBuilder builder, Action<WebhookOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<WebhookOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        if (services.Any(d => d.ServiceType == typeof(WebhookPublisher)))
        {
            // Added already: only the stores chosen since the last call are wrapped now.
            foreach (var added in services.Select(static d => d.IsKeyedService ? null : d.ImplementationInstance).OfType<WebhookRegistrationValidator>().ToList())
            {
                WrapStores(services, added);
            }

            return builder;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookDispatchSignal>();
        services.TryAddSingleton<IWebhookOutboxStore>(static sp => new InMemoryWebhookOutboxStore(sp.GetService<TimeProvider>()));
        services.AddSingleton(static sp => new WebhookPublisher(
            sp.GetRequiredService<IOptions<WebhookOptions>>(),
            sp.GetRequiredService<IWebhookOutboxStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<WebhookPublisher>>(),
            sp.GetRequiredService<WebhookDispatchSignal>().Notify));
        services.TryAddSingleton<IWebhookPublisher>(static sp => sp.GetRequiredService<WebhookPublisher>());
        services.AddHttpClient(WebhookDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static sp => WebhookTargetGuard.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks));
        services.TryAddSingleton(static sp => new WebhookDispatcher(
            sp.GetRequiredService<IWebhookOutboxStore>(),
            sp.GetRequiredService<IOptions<WebhookOptions>>(),
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<WebhookDispatchSignal>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<WebhookDispatcher>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDispatcher>(static sp => sp.GetRequiredService<WebhookDispatcher>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrchestrationObserver, WebhookOrchestrationObserver>(static sp => WebhookOrchestrationObserver.Create(sp.GetRequiredService<IWebhookPublisher>())));

        var registration = new WebhookRegistrationValidator(services);
        WrapStores(services, registration);
        services.AddSingleton<IValidateOptions<WebhookOptions>>(registration);
        return builder;
    }

    /// <summary>Adds webhooks with settings bound from configuration, such as the <c>Dreaming:Webhooks</c> section
    /// (<c>Endpoints:0:Id</c>, <c>Endpoints:0:Url</c>, <c>Endpoints:0:Secrets:0</c>, <c>Endpoints:0:Events:0</c>, <c>AllowPrivateNetworks</c>, ...).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder AddWebhooks(this IDreamingBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<WebhookOptions>().Bind(configuration);
        return builder.AddWebhooks();
    }

    /// <summary>Adds one endpoint with the given id (and webhooks, if not added yet). To derive the id from the URL instead,
    /// use <c>AddWebhooks(w =&gt; w.AddEndpoint(url, secret, events))</c> (<see cref="WebhookOptionsEndpointExtensions.AddEndpoint"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="id">The endpoint id, stable across restarts.</param>
    /// <param name="url">The absolute http(s) URL.</param>
    /// <param name="secret">The signing secret, <c>whsec_...</c>.</param>
    /// <param name="events">The event filters (exact types or <c>prefix.*</c>); none for every event.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IDreamingBuilder AddWebhookEndpoint(this IDreamingBuilder builder, string id, string url, string secret, params string[] events)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(events);
        return builder.AddWebhooks(options =>
        {
            var endpoint = new WebhookEndpoint { Id = id, Url = url };
            endpoint.Secrets.Add(secret);
            foreach (var filter in events)
            {
                endpoint.Events.Add(filter);
            }

            options.Endpoints.Add(endpoint);
        });
    }

    /// <summary>Wraps the memory and dream run stores registered now, unless they are the wrappers already.</summary>
    private static void WrapStores(IServiceCollection services, WebhookRegistrationValidator registration)
    {
        if (!ReferenceEquals(WebhookRegistrationValidator.Current<IMemoryStore>(services), registration.Memory))
        {
            registration.Memory = Decorate<IMemoryStore>(services, static (inner, sp, owns) => new WebhookMemoryStore(inner, sp.GetRequiredService<IWebhookPublisher>(), owns));
        }

        if (!ReferenceEquals(WebhookRegistrationValidator.Current<IDreamRunStore>(services), registration.Runs))
        {
            registration.Runs = Decorate<IDreamRunStore>(services, static (inner, sp, owns) => new WebhookDreamRunStore(inner, sp.GetRequiredService<IWebhookPublisher>(), owns));
        }
    }

    private static ServiceDescriptor? Decorate<TService>(IServiceCollection services, Func<TService, IServiceProvider, bool, TService> decorate)
        where TService : class
    {
        var original = WebhookRegistrationValidator.Current<TService>(services);
        if (original is null)
        {
            return null;
        }

        var decorated = ServiceDescriptor.Singleton<TService>(sp => decorate(Create<TService>(original, sp), sp, original.ImplementationInstance is null));
        services.Remove(original);
        services.Add(decorated);
        return decorated;
    }

    private static TService Create<TService>(ServiceDescriptor original, IServiceProvider services)
        where TService : class =>
        (TService)(original.ImplementationInstance
            ?? original.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, original.ImplementationType!));
}
