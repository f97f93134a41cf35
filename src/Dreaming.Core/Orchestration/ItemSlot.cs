namespace Dreaming;

/// <summary>The mutable state of one item during a run. Written only by the item's own flow while it runs, and read by
/// the scheduler after the item has signalled its end (the channel orders the two).</summary>
internal sealed class ItemSlot(WorkItem item, int index, int remaining)
{
    public WorkItem Item { get; } = item;

    public int Index { get; } = index;

    /// <summary>Gets or sets how many dependencies have not completed yet.</summary>
    public int Remaining { get; set; } = remaining;

    public WorkItemStatus Status { get; set; } = WorkItemStatus.NotStarted;

    public string? Output { get; set; }

    public string? Error { get; set; }

    /// <summary>Gets or sets why work that ran to the end did not pass its rubric.</summary>
    public string? RubricFailure { get; set; }

    public OutcomeResult? Outcome { get; set; }

    public double? Score { get; set; }

    public SessionUsage Usage { get; set; } = SessionUsage.Zero;

    public string? SessionId { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Gets or sets the outputs of the item's dependencies while it runs (released when it ends).</summary>
    public IReadOnlyList<WorkItemOutput>? Dependencies { get; set; }

    /// <summary>Gets or sets the item's output as its dependents see it, made once it completed (by the scheduler only).</summary>
    public WorkItemOutput? AsOutput { get; set; }

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
}
