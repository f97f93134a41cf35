namespace Dreaming;

/// <summary>What <see cref="WebhookVerifier"/> concluded about a received webhook.</summary>
/// <param name="Failure">Why it was refused, or <see cref="WebhookVerificationFailure.None"/>.</param>
/// <param name="Message">A sentence saying what was wrong (never a secret), or <see langword="null"/> when valid.</param>
public sealed record WebhookVerificationResult(WebhookVerificationFailure Failure, string? Message)
{
    /// <summary>The result of an authentic, fresh message.</summary>
    public static WebhookVerificationResult Valid { get; } = new(WebhookVerificationFailure.None, null);

    /// <summary>Gets a value indicating whether the message is authentic and fresh.</summary>
    public bool IsValid => Failure == WebhookVerificationFailure.None;
}
