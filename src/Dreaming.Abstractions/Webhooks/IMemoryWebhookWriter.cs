namespace Dreaming;

/// <summary>A memory store that writes the <c>memory.version_proposed</c> / <c>memory.version_activated</c> /
/// <c>memory.version_rejected</c> outbox rows itself, in the transaction that proposes, approves, rolls back or rejects a version; the webhook wrapper <c>AddWebhooks</c> installs then
/// does not publish them a second time.</summary>
public interface IMemoryWebhookWriter
{
    /// <summary>Gets a value indicating whether this store writes memory webhooks (webhooks are configured on its database).</summary>
    bool WritesMemoryWebhooks { get; }
}
