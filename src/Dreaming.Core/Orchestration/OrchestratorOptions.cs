namespace Dreaming;

/// <summary>Options of an <see cref="Orchestrator"/>, set through <c>AddOrchestrator(o =&gt; ...)</c>.</summary>
/// <remarks>Validated when the orchestrator is created (and at host start through DI); a bad value fails with a message that names it.</remarks>
public sealed class OrchestratorOptions
{
    /// <summary>The default <see cref="MaxItems"/>.</summary>
    public const int DefaultMaxItems = 10_000;

    /// <summary>The largest allowed <see cref="MaxItems"/>.</summary>
    public const int MaxItemsLimit = 1_000_000;

    /// <summary>The default <see cref="MaxDependencyOutputLength"/>: 100,000 characters (about 25,000 tokens at four
    /// characters a token).</summary>
    public const int DefaultMaxDependencyOutputLength = 100_000;

    /// <summary>The default <see cref="MaxDependencyOutputTotalLength"/>: 400,000 characters (about 100,000 tokens at four
    /// characters a token), four outputs at the default <see cref="MaxDependencyOutputLength"/>.</summary>
    public const int DefaultMaxDependencyOutputTotalLength = 400_000;

    /// <summary>The largest allowed <see cref="ItemRetries"/>.</summary>
    public const int MaxItemRetries = 10;

    /// <summary>Gets or sets the most items a plan may hold; a bigger plan fails validation before anything runs.</summary>
    /// <value>The default is <see cref="DefaultMaxItems"/> (10,000); 1 to <see cref="MaxItemsLimit"/>.</value>
    public int MaxItems { get; set; } = DefaultMaxItems;

    /// <summary>Gets or sets what a run does when an item fails, unless the request says otherwise.</summary>
    /// <value>The default is <see cref="OrchestrationFailurePolicy.StopRun"/>.</value>
    public OrchestrationFailurePolicy FailurePolicy { get; set; } = OrchestrationFailurePolicy.StopRun;

    /// <summary>Gets or sets the run-wide token budget, unless the request says otherwise.</summary>
    /// <value>The default is <see langword="null"/>: no budget. Positive when set.</value>
    public long? MaxTotalTokens { get; set; }

    /// <summary>Gets or sets the run-wide cost budget in minor units, unless the request says otherwise.</summary>
    /// <value>The default is <see langword="null"/>: no budget. Positive when set.</value>
    public long? MaxTotalCostMinorUnits { get; set; }

    /// <summary>Gets or sets how an agent's call is priced: given the agent's name and the usage of one call (a chat response,
    /// or a delegate's reply), its cost in minor units. The coordinator's calls (planning a goal, synthesising the answer)
    /// are priced under the run's <see cref="OrchestrationRequest.AgentId"/> (default <c>orchestrator</c>), the agent of
    /// the run's session they are recorded in. Usage that already carries a cost is not repriced: a chat call is priced
    /// first by the <see cref="DreamingOptions.CostOf"/> of the <c>UseDreaming()</c> it is recorded through (as its session
    /// is), so this prices the chat calls only when that one is not set (or gave 0), and a delegate's reply without a cost.
    /// The grader's usage of an outcome-gated item is never priced by this: it counts at the cost
    /// <see cref="DreamingOptions.CostOf"/> gave it, if any.</summary>
    /// <value>The default is <see langword="null"/>: chat calls cost what <see cref="DreamingOptions.CostOf"/> gives them
    /// (0 without it), so only those and reported costs count against <see cref="MaxTotalCostMinorUnits"/>. The run's cost
    /// total saturates at <see cref="long.MaxValue"/>: a delegate may return <see cref="long.MaxValue"/> for "unknown" and
    /// the budget is still reached.</value>
    public Func<string, SessionUsage, long>? CostOf { get; set; }

    /// <summary>Gets or sets the most characters of a completed item's output that the prompts built from it are given: the
    /// items that depend on it (<see cref="WorkItemContext.Dependencies"/> and <see cref="WorkItemContext.Prompt"/>) and the
    /// coordinator's synthesis. A longer output is cut there, and a line saying so follows it: <c>[Cut by the
    /// orchestrator: the output of 'id' is N characters long; only its first M are given here
    /// (OrchestratorOptions.MaxDependencyOutputLength). The whole output is in the run's result; the item ran in session
    /// ….]</c>.</summary>
    /// <value>The default is <see cref="DefaultMaxDependencyOutputLength"/> (100,000 characters); positive, or
    /// <see langword="null"/> for no limit (each dependent is then given every output whole, however long).</value>
    /// <remarks>The output itself is never cut: <see cref="WorkItemResult.Output"/> holds it whole, and a
    /// <see cref="OrchestrationRequest.Synthesize"/> delegate is given it whole. The cut output is made once per item
    /// and shared by its dependents, so a dependent's prompt holds at most this many characters (and the line) of each
    /// dependency; an item with many dependencies gets at most <see cref="MaxDependencyOutputTotalLength"/> of them in all.
    /// A cut never splits a surrogate pair (it
    /// keeps one character fewer). Each run reads it when it starts: a run started after it was set to a value that is not
    /// positive throws <see cref="ArgumentException"/> before it records anything.</remarks>
    public int? MaxDependencyOutputLength { get; set; } = DefaultMaxDependencyOutputLength;

    /// <summary>Gets or sets the most characters of completed items' outputs that one prompt is given in all: an item's
    /// dependencies together (<see cref="WorkItemContext.Dependencies"/> and <see cref="WorkItemContext.Prompt"/>), and the
    /// coordinator's synthesis of every item. When the outputs, each already cut to <see cref="MaxDependencyOutputLength"/>,
    /// are longer together, the shorter ones are given whole and the longer ones cut to an equal share of what is left,
    /// each followed by a line saying so (<c>… (OrchestratorOptions.MaxDependencyOutputTotalLength: 400,000 characters for
    /// the outputs of all 201 dependencies) …</c>) and marked by <see cref="WorkItemOutput.OriginalLength"/>.</summary>
    /// <value>The default is <see cref="DefaultMaxDependencyOutputTotalLength"/> (400,000 characters); positive, or
    /// <see langword="null"/> for no total (each output is then cut by <see cref="MaxDependencyOutputLength"/> alone).</value>
    /// <remarks>The kept characters are at most this many; each cut output adds its line (about 250 characters). The
    /// outputs are shared by the dependents within the total; a dependent over it gets copies of its own, at most this many
    /// characters. Each run reads it when it starts: a run started after it was set to a value that is not positive throws
    /// <see cref="ArgumentException"/> before it records anything.</remarks>
    public int? MaxDependencyOutputTotalLength { get; set; } = DefaultMaxDependencyOutputTotalLength;

    /// <summary>Gets or sets how many times an item that threw or timed out is tried again (a used-up item budget and
    /// cancellation are never retried; work that did not pass its rubric was already revised by the outcome loop).</summary>
    /// <value>The default is 1; 0 to <see cref="MaxItemRetries"/>.</value>
    public int ItemRetries { get; set; } = 1;

    /// <summary>Gets or sets the delay before the first retry; it doubles with each further retry.</summary>
    /// <value>The default is 1 second; 0 to 1 hour.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long one attempt of an item may take when the item does not say.</summary>
    /// <value>The default is 10 minutes. Positive and at most 24 days, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan ItemTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how many times the agent of an item with a rubric may try (the outcome loop's <c>MaxIterations</c>).</summary>
    /// <value>The default is 3; 1 to <see cref="OutcomeRequest.MaxIterationsLimit"/>.</value>
    public int OutcomeMaxIterations { get; set; } = 3;

    /// <summary>Returns <paramref name="usage"/> with its cost from <see cref="CostOf"/> when it carries none.</summary>
    internal SessionUsage Priced(string agentName, SessionUsage usage) =>
        usage.CostMinorUnits == 0 && CostOf is { } costOf ? usage with { CostMinorUnits = costOf(agentName, usage) } : usage;
}
