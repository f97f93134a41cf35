namespace Dreaming;

/// <summary>The result of one work item.</summary>
public sealed record WorkItemResult
{
    /// <summary>Gets the item id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the agent name.</summary>
    public required string Agent { get; init; }

    /// <summary>Gets how the item ended.</summary>
    public required WorkItemStatus Status { get; init; }

    /// <summary>Gets the output, when the agent produced one.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the outcome loop's result, for an item with a rubric.</summary>
    public OutcomeResult? Outcome { get; init; }

    /// <summary>Gets the final rubric score, for an item with a rubric that was graded.</summary>
    public double? Score { get; init; }

    /// <summary>Gets the tokens the item used (its agent and, with a rubric, its grader).</summary>
    public SessionUsage Usage { get; init; } = SessionUsage.Zero;

    /// <summary>Gets the id of the child session of the item's last attempt, when it started.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets how many attempts ran.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets when the item started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the item ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets why the item did not complete.</summary>
    public string? Error { get; init; }
}
