namespace Dreaming;

/// <summary>One sub-task of an <see cref="OrchestrationPlan"/>: what an agent of the roster does, after which items.</summary>
public sealed record WorkItem
{
    /// <summary>The longest item id a plan may give (256 characters): an item's id is its child sessions'
    /// <c>orchestration.item</c> metadata and is named in its events, webhooks and messages. A plan with a longer one (a
    /// plan file's, or a coordinator model's) has a problem naming the item, and is not run.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Gets the id, unique in the plan (compared ordinally), of at most <see cref="MaxIdLength"/> characters.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the name of the roster agent that does the work (compared ordinally).</summary>
    public required string Agent { get; init; }

    /// <summary>Gets what the agent is asked to do.</summary>
    public required string Instructions { get; init; }

    /// <summary>Gets the ids of the items that must complete first (compared ordinally); their outputs are given to this item
    /// as context.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Gets the rubric the item's work must pass (through the outcome loop), if any.</summary>
    public Rubric? Rubric { get; init; }

    /// <summary>Gets the path of a Markdown rubric file, loaded before the run when <see cref="Rubric"/> is not set;
    /// relative to <see cref="OrchestrationPlan.BaseDirectory"/>.</summary>
    public string? RubricPath { get; init; }

    /// <summary>Gets the most tokens (input plus output) the item may use; the item fails with
    /// <see cref="WorkItemStatus.BudgetExceeded"/> once a model call takes it past this.</summary>
    /// <value>The default is <see langword="null"/>: no limit of its own. Positive when set.</value>
    public long? MaxTokens { get; init; }

    /// <summary>Gets how long one attempt of the item may take.</summary>
    /// <value>The default is <see langword="null"/>: the orchestrator's <c>ItemTimeout</c>. Positive when set.</value>
    public TimeSpan? Timeout { get; init; }
}
