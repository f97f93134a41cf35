namespace Dreaming;

/// <summary>Why a received webhook was refused.</summary>
public enum WebhookVerificationFailure
{
    /// <summary>Nothing: the message is authentic and fresh.</summary>
    None = 0,

    /// <summary>A <c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> header is missing or empty.</summary>
    MissingHeader = 1,

    /// <summary>The <c>webhook-timestamp</c> is not whole Unix seconds.</summary>
    InvalidTimestamp = 2,

    /// <summary>The timestamp is older than the tolerance allows (a replay, or a badly wrong clock).</summary>
    TimestampTooOld = 3,

    /// <summary>The timestamp is further in the future than the tolerance allows.</summary>
    TimestampTooNew = 4,

    /// <summary>No <c>v1</c> signature in the header matches: the body, id or timestamp was changed, or the secret differs.</summary>
    SignatureMismatch = 5,
}
