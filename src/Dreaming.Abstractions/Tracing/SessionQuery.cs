namespace Dreaming;

/// <summary>Filters, order and paging for <see cref="ITraceStore.QuerySessionsAsync"/>.</summary>
public sealed record SessionQuery
{
    /// <summary>The largest page size a store must accept.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Gets the agent id to match, or <see langword="null"/> for all agents.</summary>
    public string? AgentId { get; init; }

    /// <summary>Gets the team or tenant scope to match (<see cref="SessionRecord.Scope"/>, compared ordinally), or
    /// <see langword="null"/> for sessions of any scope, and those without one.</summary>
    /// <remarks>A team dream (<see cref="MemoryScope.Team"/>) reads its sessions with this filter. A store written before
    /// the filter existed ignores it; the dream checks every session it is given again, so such a store reads more than it
    /// needs but cannot give a team another team's sessions.</remarks>
    public string? Scope { get; init; }

    /// <summary>Gets the status to match.</summary>
    public SessionStatus? Status { get; init; }

    /// <summary>Gets the outcome label to match.</summary>
    public string? OutcomeLabel { get; init; }

    /// <summary>Gets the parent session id to match.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>Gets the inclusive lower bound of the start time.</summary>
    public DateTimeOffset? StartedFrom { get; init; }

    /// <summary>Gets the exclusive upper bound of the start time.</summary>
    public DateTimeOffset? StartedBefore { get; init; }

    /// <summary>Gets the inclusive lower bound of the end time, compared to the millisecond (the precision stores keep), or
    /// <see langword="null"/> for sessions that ended at any time and those still running.</summary>
    /// <remarks>A session matches when it has ended (it is not <see cref="SessionStatus.Running"/> and
    /// <see cref="SessionRecord.EndedAt"/> is set) at or after this time, whenever it started: a session that started a week ago and ended a minute ago is among those that ended in the last
    /// hour. A running session has no end time and never matches, so the filter cannot be combined with
    /// <see cref="Status"/> <see cref="SessionStatus.Running"/>. The order and paging stay by start time. The dream scheduler
    /// counts new sessions, and a dream selects them, with this filter (the end time of the previous dream's cursor, or of
    /// the oldest cursor whose late sessions are still looked for); a store written before the filter existed ignores it,
    /// and they read more than they need but choose the same sessions, since each session is checked again.</remarks>
    public DateTimeOffset? EndedFrom { get; init; }

    /// <summary>Gets the exclusive lower bound of the sessions' <see cref="SessionRecord.ChangeNumber"/>, or
    /// <see langword="null"/> for sessions changed at any time.</summary>
    /// <remarks>Only sessions ended, graded or imported (or created) after the change numbered so are returned: with a bound
    /// taken from <see cref="ITraceStore.GetSessionChangeHorizonAsync"/> at the previous read, what changed since then (and
    /// perhaps a few sessions more, never fewer). The order and paging stay by start time. A store that does not number
    /// changes (its horizon is <see langword="null"/>) may ignore it and return more; callers check each session again.
    /// The dream scheduler's count of new sessions reads with it.</remarks>
    public long? ChangedAfter { get; init; }

    /// <summary>Gets the order by start time (then id).</summary>
    /// <value>The default is <see cref="SessionOrder.OldestFirst"/>.</value>
    public SessionOrder Order { get; init; } = SessionOrder.OldestFirst;

    /// <summary>Gets the page size, 1 to <see cref="MaxPageSize"/>.</summary>
    /// <value>The default is 100.</value>
    public int PageSize { get; init; } = 100;

    /// <summary>Gets the cursor returned as <see cref="SessionPage.NextCursor"/> by the previous page, or <see langword="null"/> for the first.</summary>
    public string? Cursor { get; init; }

    /// <summary>Throws when the page size is out of range, the agent id or scope to match holds half a surrogate pair, or an
    /// end-time bound is asked of running sessions.</summary>
    /// <remarks>Such an id is not Unicode text, and no session has one (the session factory, the import and the options
    /// refuse it), but a store that keeps text as UTF-8 (SQLite) would match it as U+FFFD, the id of another agent or
    /// team, while the in-memory store would match nothing: it is refused instead, the same in every store.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The page size is out of range.</exception>
    /// <exception cref="ArgumentException"><see cref="AgentId"/> or <see cref="Scope"/> holds an unpaired surrogate (the
    /// message names it and the index), or <see cref="EndedFrom"/> is set with <see cref="Status"/>
    /// <see cref="SessionStatus.Running"/>, which no session can match (the parameter name is <c>EndedFrom</c>).</exception>
    public void Validate()
    {
        if (PageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, $"SessionQuery.PageSize must be between 1 and {MaxPageSize}.");
        }

        if (EndedFrom is { } endedFrom && Status == SessionStatus.Running)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SessionQuery.EndedFrom ({endedFrom:O}) asks for sessions that ended, and Status asks for running ones, which have not ended: no session matches both. Leave one of them out."),
                nameof(EndedFrom));
        }

        ThrowIfUnpairedSurrogate(AgentId, nameof(AgentId));
        ThrowIfUnpairedSurrogate(Scope, nameof(Scope));
    }

    private static void ThrowIfUnpairedSurrogate(string? id, string name)
    {
        if (id is not null && UnpairedSurrogates.IndexOf(id) is var at and >= 0)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SessionQuery.{name} has an unpaired surrogate (half a character, U+{(int)id[at]:X4}) at index {at}; no session has such an id, and a store that keeps text as UTF-8 would match it as U+FFFD, another id."),
                name);
        }
    }
}
