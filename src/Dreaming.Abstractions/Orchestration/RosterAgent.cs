using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>An agent the plan's items can name: a chat model with its own instructions and tools, or a host delegate.</summary>
/// <remarks>Set exactly one of <see cref="ChatClient"/> and <see cref="Run"/>. Put <c>UseDreaming()</c> on the client, or
/// register the orchestrator with <c>AddOrchestrator()</c>, which adds it, so each item's calls are recorded in its session.</remarks>
public sealed record RosterAgent
{
    /// <summary>Gets the name items use to pick the agent, unique in the roster (compared ordinally: <c>writer</c> and
    /// <c>Writer</c> are two agents).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the agent's own instructions, sent as its system message.</summary>
    public string? Instructions { get; init; }

    /// <summary>Gets the model the agent runs on.</summary>
    public IChatClient? ChatClient { get; init; }

    /// <summary>Gets the chat options of every call (tools, model id, temperature); cloned per call.</summary>
    public ChatOptions? ChatOptions { get; init; }

    /// <summary>Gets a host delegate that does the work instead of a chat model.</summary>
    /// <remarks>An exception it throws fails the attempt, which is retried; an <see cref="AgentBlockedException"/> or
    /// <see cref="AgentNeedsHelpException"/> fails the item at once, not retried, and its session ends
    /// <see cref="SessionStatus.Blocked"/> with the outcome <see cref="SessionOutcome.Failure"/> (source <c>agent</c>), which
    /// dreaming mines. The delegate is called on the scheduler's thread and runs there until its first <c>await</c>: code
    /// that blocks its thread before then (a synchronous call, <c>.Result</c>) holds up the run, and neither the item's
    /// timeout nor the run's cancellation can cut it. Start with <c>await Task.Yield()</c>, or run blocking work with
    /// <see cref="Task.Run(Action, CancellationToken)"/>, so that both reach it.</remarks>
    public Func<WorkItemContext, CancellationToken, Task<WorkItemReply>>? Run { get; init; }
}
