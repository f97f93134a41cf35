namespace Dreaming;

/// <summary>What an agent is given for one attempt of a work item.</summary>
public sealed record WorkItemContext
{
    /// <summary>Gets the item.</summary>
    public required WorkItem Item { get; init; }

    /// <summary>Gets the goal of the run.</summary>
    public required string Goal { get; init; }

    private string? _prompt;

    /// <summary>Gets the prompt sent to a chat agent: the goal, the instructions and the dependencies' outputs.</summary>
    /// <remarks>Rendered on first use (<c>Goal of the whole task: …</c>, <c>Your part (id): …</c>, then each dependency's
    /// output under <c>--- id (agent) ---</c>), so delegate agents that never read it do not pay for it.</remarks>
    public string Prompt
    {
        get => _prompt ??= WorkItemPrompt.Render(Goal, Item, Dependencies);
        init => _prompt = value;
    }

    /// <summary>Gets the completed dependencies' outputs, in the order of <see cref="WorkItem.DependsOn"/>.</summary>
    /// <remarks>The library's orchestrator gives each output cut at its <c>OrchestratorOptions.MaxDependencyOutputLength</c>
    /// (100,000 characters by default), followed by a line saying it was cut, how long it is, that the run's result holds
    /// it whole, and the dependency's session.</remarks>
    public required IReadOnlyList<WorkItemOutput> Dependencies { get; init; }

    /// <summary>Gets the child session the attempt runs in (ambient while the agent works).</summary>
    public required IAgentSession Session { get; init; }

    /// <summary>Gets the 1-based attempt (retries after a failure or a timeout).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Gets the grader's feedback on the previous outcome iteration, for an item with a rubric.</summary>
    public string? Feedback { get; init; }

    /// <summary>Gets the previous outcome iteration's work, for an item with a rubric.</summary>
    public string? PreviousOutput { get; init; }
}
