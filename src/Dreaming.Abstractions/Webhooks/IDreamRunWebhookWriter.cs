namespace Dreaming;

/// <summary>A dream run store that writes the <c>dream.completed</c> / <c>dream.failed</c> / <c>dream.canceled</c>,
/// <c>insight.quarantined</c> and dream <c>budget.reached</c> outbox rows itself, in the transaction that ends the run; the webhook wrapper
/// <c>AddWebhooks</c> installs then does not publish them a second time.</summary>
public interface IDreamRunWebhookWriter
{
    /// <summary>Gets a value indicating whether this store writes dream webhooks (webhooks are configured on its database).</summary>
    bool WritesDreamRunWebhooks { get; }
}
