namespace Dreaming;

/// <summary>The record of one dream: what was asked, where it is in its life, who holds its lease, and what it has read
/// and produced.</summary>
/// <remarks>Stores keep times at millisecond precision, in UTC. Only a store changes a run, through the transitions of
/// <see cref="IDreamRunStore"/>; a finished run never changes again.</remarks>
public sealed record DreamRun
{
    /// <summary>Gets the id the store gave the run: <c>dr-</c> and a time-ordered GUID.</summary>
    public required string Id { get; init; }

    /// <summary>Gets what the dream was asked to do.</summary>
    public required DreamRunRequest Request { get; init; }

    /// <summary>Gets the scope whose memory the dream consolidates.</summary>
    public MemoryScope Scope => Request.Scope;

    /// <summary>Gets where the run is in its life.</summary>
    public DreamRunStatus Status { get; init; }

    /// <summary>Gets when the run was created.</summary>
    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets when the run started, or <see langword="null"/> if it never did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the run completed, failed or was canceled.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets who holds (or last held) the run's lease, such as a host name and process id.</summary>
    public string? LeaseHolder { get; init; }

    /// <summary>Gets when the lease expires unless renewed; <see langword="null"/> unless the run is running.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Gets what the dream has read and produced so far.</summary>
    public DreamRunResults Results { get; init; } = DreamRunResults.Empty;

    /// <summary>Gets why the run failed, or <see langword="null"/> unless it failed.</summary>
    public string? Error { get; init; }

    /// <summary>Gets whether the run has completed, failed or been canceled, after which it never changes.</summary>
    public bool IsFinished => Status is DreamRunStatus.Completed or DreamRunStatus.Failed or DreamRunStatus.Canceled;

    /// <summary>Creates a new run id: <c>dr-</c> and a time-ordered GUID. Stores call it; callers never need to.</summary>
    /// <returns>The id.</returns>
    public static string NewId() => "dr-" + Guid.CreateVersion7().ToString("N");

    /// <summary>Returns <c>'id' (scope, status)</c>, for messages.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"'{Id}' ({Request?.Scope}, {MemoryNames.Of(Status)})";
}
