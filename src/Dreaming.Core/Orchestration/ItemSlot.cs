namespace Dreaming;

/// <summary>The mutable state of one item during a run. Written only by the item's own flow while it runs, and read by
/// the scheduler after the item has signalled its end (the channel orders the two).</summary>
internal sealed class ItemSlot(WorkItem item, int index)
{
    public WorkItem Item { get; } = item;

    public int Index { get; } = index;

    public WorkItemStatus Status { get; set; } = WorkItemStatus.NotStarted;

    public string? Output { get; set; }

    // The slots of a 10,000-item plan live for the whole run: what only outcome-gated items, items that did not
    // complete and chat calls without reported usage need sits in an object of its own, made when first set to
    // something (96 bytes a slot instead of 112), and the times are stored as UTC ticks without the nullable's flag
    // (0 means not set).
    private RareState? _rare;
    private long _startedAt;
    private long _endedAt;

    /// <summary>Gets or sets why the item did not complete (set to <see langword="null"/> for one that did).</summary>
    public string? Error
    {
        get => _rare?.Error;
        set
        {
            if (value is not null || _rare is not null)
            {
                (_rare ??= new()).Error = value;
            }
        }
    }

    /// <summary>Gets or sets why work that ran to the end did not pass its rubric.</summary>
    public string? RubricFailure
    {
        get => _rare?.Failure;
        set
        {
            if (value is not null || _rare is not null)
            {
                (_rare ??= new()).Failure = value;
            }
        }
    }

    public OutcomeResult? Outcome
    {
        get => _rare?.Outcome;
        set => (_rare ??= new()).Outcome = value;
    }

    public double? Score
    {
        get => _rare?.Score;
        set => (_rare ??= new()).Score = value;
    }

    public SessionUsage Usage { get; set; } = SessionUsage.Zero;

    /// <summary>Gets or sets the tokens the item's chat calls used without reporting them, estimated from the text:
    /// counted against its <c>MaxTokens</c>, never part of <see cref="Usage"/>.</summary>
    public long UnreportedTokens
    {
        get => _rare?.UnreportedTokens ?? 0;
        set
        {
            if (value != 0 || _rare is not null)
            {
                (_rare ??= new()).UnreportedTokens = value;
            }
        }
    }

    public string? SessionId { get; set; }

    public int Attempts { get; set; }

    /// <summary>Gets or sets whether the current attempt's agent has replied and passed its checks, so that only its
    /// child session's completion is left.</summary>
    public bool Replied { get; set; }

    public DateTimeOffset? StartedAt
    {
        get => Time(_startedAt);
        set => _startedAt = Ticks(value);
    }

    public DateTimeOffset? EndedAt
    {
        get => Time(_endedAt);
        set => _endedAt = Ticks(value);
    }

    /// <summary>Gets or sets the outputs of the item's dependencies while it runs (released when it ends).</summary>
    public IReadOnlyList<WorkItemOutput>? Dependencies { get; set; }

    // Kept as UTC ticks (0 = not set): 8 bytes where a DateTimeOffset takes 16.
    private static DateTimeOffset? Time(long utcTicks) => utcTicks == 0 ? null : new DateTimeOffset(utcTicks, TimeSpan.Zero);

    private static long Ticks(DateTimeOffset? time) => time?.UtcTicks ?? 0;

    public WorkItemResult ToResult() => new()
    {
        Id = Item.Id,
        Agent = Item.Agent,
        Status = Status,
        Output = Output,
        Outcome = Outcome,
        Score = Score,
        Usage = Usage,
        SessionId = SessionId,
        Attempts = Attempts,
        StartedAt = StartedAt,
        EndedAt = EndedAt,
        Error = Error,
    };

    private sealed class RareState
    {
        public string? Error { get; set; }

        public long UnreportedTokens { get; set; }

        public string? Failure { get; set; }

        public OutcomeResult? Outcome { get; set; }

        public double? Score { get; set; }
    }
}
