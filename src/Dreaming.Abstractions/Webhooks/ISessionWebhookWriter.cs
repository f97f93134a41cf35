namespace Dreaming;

/// <summary>A trace store that writes the <c>session.completed</c> / <c>session.failed</c> outbox rows itself, in the
/// transaction that ends the session; the session then does not publish them a second time.</summary>
public interface ISessionWebhookWriter
{
    /// <summary>Gets a value indicating whether this store writes session webhooks (webhooks are configured on its database).</summary>
    bool WritesSessionWebhooks { get; }
}
