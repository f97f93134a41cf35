namespace Dreaming;

/// <summary>A received webhook failed verification; <see cref="Failure"/> says why.</summary>
public sealed class WebhookVerificationException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public WebhookVerificationException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public WebhookVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance from a failed result.</summary>
    /// <param name="result">The result.</param>
    public WebhookVerificationException(WebhookVerificationResult result)
        : base(result?.Message ?? "The webhook failed verification.")
    {
        ArgumentNullException.ThrowIfNull(result);
        Failure = result.Failure;
    }

    /// <summary>Gets why the webhook was refused.</summary>
    public WebhookVerificationFailure Failure { get; }
}
