namespace Dreaming;

/// <summary>The names of the Standard Webhooks headers.</summary>
public static class WebhookHeaders
{
    /// <summary><c>webhook-id</c>: the event id, the same on every retry; receivers deduplicate on it.</summary>
    public const string Id = "webhook-id";

    /// <summary><c>webhook-timestamp</c>: Unix seconds of the attempt.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary><c>webhook-signature</c>: space-separated <c>v1,&lt;base64&gt;</c> signatures.</summary>
    public const string Signature = "webhook-signature";
}
