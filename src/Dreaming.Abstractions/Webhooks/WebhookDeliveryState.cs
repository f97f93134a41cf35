namespace Dreaming;

/// <summary>Where the delivery of one event to one endpoint stands.</summary>
public enum WebhookDeliveryState
{
    /// <summary>Waiting for its next attempt (the first, or a retry).</summary>
    Pending = 0,

    /// <summary>The endpoint answered 2xx.</summary>
    Delivered = 1,

    /// <summary>The retries ran out, or the endpoint is disabled: a dead letter, kept and replayable.</summary>
    Dead = 2,
}
