namespace Dreaming;

/// <summary>What a trace store keeps about one session, apart from its events.</summary>
public sealed record SessionRecord
{
    /// <summary>The longest id a host may give a session, its agent, its team scope or its parent (256 characters): ids are
    /// keys a host looks up, and they appear in URLs, logs, metric tags and file names. A longer one given by the host is
    /// refused when the session starts (or the options are validated), naming it; an imported log's longer session or
    /// agent id is kept as its start, <c>~</c> and 32 hexadecimal digits of a hash of the whole, the same on every import.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Gets the session id, unique in the store.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the id of the agent that ran the session.</summary>
    public required string AgentId { get; init; }

    /// <summary>Gets the optional version of the agent (its prompt or build).</summary>
    public string? AgentVersion { get; init; }

    /// <summary>Gets the optional team or tenant scope the agent belongs to.</summary>
    public string? Scope { get; init; }

    /// <summary>Gets the task the agent worked on (redacted and truncated like any recorded content).</summary>
    public required string Task { get; init; }

    /// <summary>Gets the id of the parent session when this one ran as a sub-task.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>Gets the status.</summary>
    public SessionStatus Status { get; init; } = SessionStatus.Running;

    /// <summary>Gets when the session started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the session ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets the accumulated usage.</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the id of the memory version the session was given, if any.</summary>
    public string? MemoryVersionId { get; init; }

    /// <summary>Gets the ids of the insights the session was given.</summary>
    public IReadOnlyList<string> InsightIds { get; init; } = [];

    /// <summary>Gets free-form metadata (redacted like any recorded content).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the outcome, once graded or imported.</summary>
    public SessionOutcome? Outcome { get; init; }

    /// <summary>Gets how many events were dropped instead of recorded (backpressure or store failure).</summary>
    public long DroppedEventCount { get; init; }

    /// <summary>Gets how many events the store holds for the session.</summary>
    public long EventCount { get; init; }

    /// <summary>Gets the store's change number of the session, or <see langword="null"/> from a store that does not number
    /// changes (<see cref="ITraceStore.GetSessionChangeHorizonAsync"/> gives <see langword="null"/>) and for a session
    /// that has not changed since its store began numbering (written by an older version of the SQLite or PostgreSQL
    /// store): it changed before every number.</summary>
    /// <remarks>The store assigns it, and ignores a value a caller sets: a number larger than every earlier one each time
    /// the session is ended, graded (<see cref="ITraceStore.SetOutcomeAsync"/>), imported or created already finished, the
    /// changes that can make it one a dream reads. A session created running may have none until it ends, and appending
    /// events does not change it. Read with <see cref="SessionQuery.ChangedAfter"/>
    /// and the horizon, it tells a reader what changed since it last looked. The numbers are the store's own: compare them
    /// only with numbers and horizons of the same store.</remarks>
    public long? ChangeNumber { get; init; }
}
