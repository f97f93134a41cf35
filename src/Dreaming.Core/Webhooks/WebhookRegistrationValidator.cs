using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Fails the start when a memory or dream run store was chosen after the last <c>AddWebhooks</c>, so it would not
/// announce its changes: a silent gap in the events is worse than a clear error.</summary>
/// <param name="services">The service collection, read again when the options are validated.</param>
internal sealed class WebhookRegistrationValidator(IServiceCollection services) : IValidateOptions<WebhookOptions>
{
    /// <summary>Gets or sets the memory store registration that announces its changes (the wrapper), if any.</summary>
    public ServiceDescriptor? Memory { get; set; }

    /// <summary>Gets or sets the dream run store registration that announces its changes (the wrapper), if any.</summary>
    public ServiceDescriptor? Runs { get; set; }

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        if (options.Endpoints.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        Check<IMemoryStore>(Memory, "memory.version_*", "UseMemoryStore", failures);
        Check<IDreamRunStore>(Runs, "dream.* and insight.quarantined", "UseDreamRunStore", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Gets the registration of <typeparamref name="TService"/> the container resolves: the last one, not keyed.</summary>
    public static ServiceDescriptor? Current<TService>(IServiceCollection services) =>
        services.LastOrDefault(static d => d.ServiceType == typeof(TService) && !d.IsKeyedService);

    private void Check<TService>(ServiceDescriptor? decorated, string events, string chooser, List<string> failures)
    {
        var current = Current<TService>(services);
        if (current is not null && !ReferenceEquals(current, decorated))
        {
            failures.Add($"The {typeof(TService).Name} was chosen after AddWebhooks, so it would not raise {events} webhooks. Call AddWebhooks (or AddWebhookEndpoint) after UseSqliteStore, UsePostgresStore, UseInMemoryStore or {chooser}.");
        }
    }
}
