using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Fails the start when a memory or dream run store was chosen after <c>AddWebhooks</c>, so it would not announce
/// its changes: a silent gap in the events is worse than a clear error.</summary>
internal sealed class WebhookRegistrationValidator(IServiceCollection services, ServiceDescriptor? memory, ServiceDescriptor? runs) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        if (options.Endpoints.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        Check<IMemoryStore>(memory, "memory.version_*", failures);
        Check<IDreamRunStore>(runs, "dream.* and insight.quarantined", failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check<TService>(ServiceDescriptor? decorated, string events, List<string> failures)
    {
        var current = services.LastOrDefault(d => d.ServiceType == typeof(TService) && !d.IsKeyedService);
        if (current is not null && !ReferenceEquals(current, decorated))
        {
            failures.Add($"The {typeof(TService).Name} was chosen after AddWebhooks, so it would not raise {events} webhooks. Call AddWebhooks after UseSqliteStore, UseInMemoryStore, UseMemoryStore or UseDreamRunStore.");
        }
    }
}
