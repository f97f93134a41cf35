namespace Dreaming;

/// <summary>A call failed or was cancelled.</summary>
public sealed record ErrorEvent : SessionEvent
{
    /// <summary>The most characters of an error type that are stored (<see cref="ErrorType"/> and
    /// <see cref="ToolResultEvent.ErrorType"/>), capped as <see cref="ToolCallEvent.MaxCallIdLength"/> caps a call id (its
    /// first 223 characters, <c>~</c> and 32 hexadecimal digits of the SHA-256 of the whole type), so that mining, which
    /// groups failures by it, still tells two long types apart. An exception's full type name is rarely longer, a generic
    /// one's with its arguments' assembly names at most a few hundred characters.</summary>
    public const int MaxErrorTypeLength = 256;

    /// <summary>Gets the exception type name; stored capped at <see cref="MaxErrorTypeLength"/>.</summary>
    public required string ErrorType { get; init; }

    /// <summary>Gets the message (redacted and truncated like any content).</summary>
    public required string Message { get; init; }

    /// <summary>Gets a value indicating whether the call was cancelled rather than failed.</summary>
    public bool IsCancellation { get; init; }

    /// <summary>Gets the operation that failed, such as <c>chat</c> or <c>chat.stream</c>.</summary>
    public string? Operation { get; init; }

    /// <summary>Gets what happens to the work after the error, when the recorder knows it: <see cref="ErrorRetryStatus.Retrying"/>,
    /// <see cref="ErrorRetryStatus.Exhausted"/> or <see cref="ErrorRetryStatus.Terminal"/>.</summary>
    /// <value><see langword="null"/> when the recorder cannot know: a chat call's error recorded by <c>UseDreaming()</c>,
    /// which the host or the provider's SDK may or may not retry. The failed attempt of an orchestration item without a
    /// rubric sets it (an item with a rubric records its agent's failure as a failed outcome iteration, with no error event).</value>
    public string? RetryStatus { get; init; }

    /// <inheritdoc />
    public override string EventType => EventTypes.Error;
}
