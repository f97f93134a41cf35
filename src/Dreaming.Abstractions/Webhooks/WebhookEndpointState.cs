namespace Dreaming;

/// <summary>What the outbox store remembers about an endpoint between restarts: whether delivery disabled it, and its run
/// of consecutive failures.</summary>
public sealed record WebhookEndpointState
{
    /// <summary>Gets the endpoint id.</summary>
    public required string EndpointId { get; init; }

    /// <summary>Gets why the endpoint was disabled (it answered 410, or failed too often), or <see langword="null"/> while it is enabled.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>Gets when it was disabled.</summary>
    public DateTimeOffset? DisabledAt { get; init; }

    /// <summary>Gets how many of its deliveries in a row became dead letters (exhausted their retries) since its last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets a value indicating whether the endpoint is disabled.</summary>
    public bool IsDisabled => DisabledReason is not null;
}
