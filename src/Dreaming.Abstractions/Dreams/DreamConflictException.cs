using System.Globalization;

namespace Dreaming;

/// <summary>A dream cannot start because another dream of the same scope is running and its lease has not expired.</summary>
/// <remarks>Only one dream per scope runs at a time. Wait for the running one to finish, cancel it, or, if its process
/// stopped, wait for its lease to expire: the next start or <see cref="IDreamRunStore.RecoverAbandonedAsync"/> then marks
/// it failed.</remarks>
public class DreamConflictException : InvalidOperationException
{
    /// <summary>Initializes a new instance.</summary>
    public DreamConflictException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public DreamConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public DreamConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the scope both dreams are for, when known.</summary>
    public MemoryScope? Scope { get; private init; }

    /// <summary>Gets the id of the dream that is running, when known.</summary>
    public string? RunningRunId { get; private init; }

    /// <summary>Gets when the running dream's lease expires, when known.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; private init; }

    /// <summary>Creates the exception for a start refused because of a running dream, with the message every store uses.</summary>
    /// <param name="runId">The run that was to start.</param>
    /// <param name="running">The dream of the same scope that is running.</param>
    /// <returns>The exception.</returns>
    public static DreamConflictException ForRunning(string runId, DreamRun running)
    {
        ArgumentNullException.ThrowIfNull(running);
        var until = running.LeaseExpiresAt?.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);
        return new DreamConflictException(
            $"Dream run '{runId}' cannot start: another dream of {running.Scope} is already running (run '{running.Id}', lease held by '{running.LeaseHolder}' until {until}). "
            + "Only one dream per scope runs at a time: wait for it to finish or cancel it. If its process stopped, the scope is free once the lease expires: "
            + "a dream started then ends the run and takes the scope over.")
        {
            Scope = running.Scope,
            RunningRunId = running.Id,
            LeaseExpiresAt = running.LeaseExpiresAt,
        };
    }
}
