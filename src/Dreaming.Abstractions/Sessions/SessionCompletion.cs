namespace Dreaming;

/// <summary>What a store records when a session ends.</summary>
public sealed record SessionCompletion
{
    /// <summary>Gets the id of the session that ends.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the final status; must not be <see cref="SessionStatus.Running"/>.</summary>
    public required SessionStatus Status { get; init; }

    /// <summary>Gets when the session ended.</summary>
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>Gets the final usage.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the outcome, if known at completion.</summary>
    public SessionOutcome? Outcome { get; init; }

    /// <summary>Gets how many events were dropped instead of recorded.</summary>
    public long DroppedEventCount { get; init; }
}
