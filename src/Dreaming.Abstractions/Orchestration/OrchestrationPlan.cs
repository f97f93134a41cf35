namespace Dreaming;

/// <summary>A goal and the work items that reach it: a directed acyclic graph through <see cref="WorkItem.DependsOn"/>.</summary>
public sealed record OrchestrationPlan
{
    /// <summary>The default <see cref="MaxConcurrency"/>, as on the hosted platform (25 concurrent threads).</summary>
    public const int DefaultMaxConcurrency = 25;

    /// <summary>The largest allowed <see cref="MaxConcurrency"/>.</summary>
    public const int MaxConcurrencyLimit = 1000;

    /// <summary>Gets the goal of the whole run, given to every item as context and to the synthesis.</summary>
    public required string Goal { get; init; }

    /// <summary>Gets the work items; ids must be unique.</summary>
    public required IReadOnlyList<WorkItem> Items { get; init; }

    /// <summary>Gets how many items may run at once.</summary>
    /// <value>The default is <see cref="DefaultMaxConcurrency"/>; 1 to <see cref="MaxConcurrencyLimit"/>.</value>
    /// <remarks>The limit counts items, not model calls: an item may make several calls at once, as a grader with
    /// <c>ModelGraderOptions.Samples</c> = n does (n calls at once for each item being graded, so up to
    /// <c>MaxConcurrency</c> × n grader calls), or a delegate agent that calls models in parallel. To bound the calls a
    /// model endpoint sees, put a concurrency limit in that client's pipeline (a <c>DelegatingChatClient</c> around a
    /// <see cref="SemaphoreSlim"/>, as orchestration.md shows). An agent call abandoned at its timeout (the agent ignored
    /// its token) counts against it until the call ends, or until its item's timeout has passed a second time; the run
    /// does not wait for such a call at its end.</remarks>
    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    /// <summary>Gets the folder a relative <see cref="WorkItem.RubricPath"/> is resolved against; the current directory when
    /// <see langword="null"/> or blank, and itself relative to the current directory when relative.</summary>
    public string? BaseDirectory { get; init; }
}
