namespace Dreaming;

/// <summary>One row of the outbox: one event for one endpoint, with where its delivery stands.</summary>
/// <remarks>Stores keep times at millisecond precision, in UTC.</remarks>
public sealed record WebhookDelivery
{
    /// <summary>Gets the delivery id: <c>whd_</c> and a time-ordered GUID.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event id, sent as <c>webhook-id</c> on every attempt.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the event type.</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the id of the endpoint it goes to.</summary>
    public required string EndpointId { get; init; }

    /// <summary>Gets the exact body that is signed and sent, the same on every attempt.</summary>
    public required string Body { get; init; }

    /// <summary>Gets where the delivery stands.</summary>
    public WebhookDeliveryState State { get; init; }

    /// <summary>Gets how many attempts were made since it was created or last replayed.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets when it was created (the event's outbox write).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the next attempt is due (pending), or was last due (delivered, dead).</summary>
    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Gets when the last attempt was made, if any.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>Gets the HTTP status of the last attempt, or <see langword="null"/> when none came back (timeout, refused connection).</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets what went wrong in the last failed attempt, or why the delivery is dead.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets when the endpoint accepted it, if it did.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Makes a new delivery id.</summary>
    /// <returns>The id.</returns>
    public static string NewId() => "whd_" + Guid.CreateVersion7().ToString("N");

    /// <summary>Makes the new, pending delivery of an event to one endpoint, due at once: what every outbox stores.</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="endpointId">The endpoint.</param>
    /// <param name="body">The event's body, as signed and sent.</param>
    /// <param name="now">When it is written.</param>
    /// <returns>The delivery, with a new id.</returns>
    public static WebhookDelivery Pending(WebhookEvent webhookEvent, string endpointId, string body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        return new WebhookDelivery
        {
            Id = NewId(),
            EventId = webhookEvent.Id,
            EventType = webhookEvent.Type,
            EndpointId = endpointId,
            Body = body,
            State = WebhookDeliveryState.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }
}
