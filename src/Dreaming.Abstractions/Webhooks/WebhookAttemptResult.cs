namespace Dreaming;

/// <summary>What one attempt to deliver came to, as the dispatcher records it in the outbox.</summary>
public sealed record WebhookAttemptResult
{
    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets when the attempt was made.</summary>
    public required DateTimeOffset AttemptedAt { get; init; }

    /// <summary>Gets a value indicating whether the endpoint answered 2xx.</summary>
    public bool Delivered { get; init; }

    /// <summary>Gets the HTTP status, or <see langword="null"/> when no response came back.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets what went wrong, when it was not delivered.</summary>
    public string? Error { get; init; }

    /// <summary>Gets when to try again; <see langword="null"/> for a failure makes the delivery a dead letter.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}
