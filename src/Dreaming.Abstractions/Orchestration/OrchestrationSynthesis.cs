namespace Dreaming;

/// <summary>What a synthesis is given: the goal and every item's result.</summary>
/// <param name="Goal">The goal of the run.</param>
/// <param name="Items">Every item's result, in plan order.</param>
/// <param name="Session">The run's own session (ambient while the synthesis runs).</param>
public sealed record OrchestrationSynthesis(string Goal, IReadOnlyList<WorkItemResult> Items, IAgentSession Session);
