using System.Text.Json.Nodes;

namespace Dreaming;

/// <summary>What the library's components call to raise a webhook event: it writes one outbox row per subscribed endpoint,
/// which the dispatcher then delivers.</summary>
/// <remarks>Publishing never throws for a storage failure: the state change that caused the event has already happened,
/// so the failure is logged (at error level, with the event id and type) instead. Implementations must be safe to call
/// from several threads at once.</remarks>
public interface IWebhookPublisher
{
    /// <summary>Gets a value indicating whether any endpoint is configured; when not, publishing does nothing.</summary>
    bool IsEnabled { get; }

    /// <summary>Gets a value indicating whether events should carry full payloads (off by default).</summary>
    bool IncludeFullPayloads { get; }

    /// <summary>Tells whether any endpoint subscribes to an event type, so the caller can skip building its data.</summary>
    /// <param name="eventType">The event type.</param>
    /// <returns><see langword="true"/> when publishing it would write something.</returns>
    bool IsSubscribed(string eventType);

    /// <summary>Writes an event to the outbox for every endpoint that subscribes to its type.</summary>
    /// <param name="eventType">The event type, one of <see cref="WebhookEventTypes"/>.</param>
    /// <param name="data">The ids of what changed and a small summary.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The event written, or <see langword="null"/> when no endpoint subscribes or the write failed.</returns>
    Task<WebhookEvent?> PublishAsync(string eventType, JsonObject data, CancellationToken cancellationToken = default);
}
