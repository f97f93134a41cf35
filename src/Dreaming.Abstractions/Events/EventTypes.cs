namespace Dreaming;

/// <summary>The event type names recorded by the library (<see cref="SessionEvent.EventType"/>).</summary>
public static class EventTypes
{
    /// <summary>A message; the full name is <c>message.{role}</c>, such as <c>message.user</c>.</summary>
    public const string MessagePrefix = "message.";

    /// <summary>The model asked for a tool call.</summary>
    public const string ToolCall = "tool.call";

    /// <summary>A tool returned a result or an error.</summary>
    public const string ToolResult = "tool.result";

    /// <summary>A model call returned (its model, latency, usage and finish reason).</summary>
    public const string ModelResponse = "model.response";

    /// <summary>A call failed or was cancelled.</summary>
    public const string Error = "error";

    /// <summary>A free-form note from the host.</summary>
    public const string Note = "note";

    /// <summary>An outcome iteration's grading started.</summary>
    public const string OutcomeEvaluationStarted = "outcome.evaluation_started";

    /// <summary>An outcome iteration's grading ended.</summary>
    public const string OutcomeEvaluationEnded = "outcome.evaluation_ended";

    /// <summary>The session was given insights of a memory version (its agent's, its team's or the global one).</summary>
    public const string MemoryInjected = "memory.injected";

    /// <summary>The model cited insights it had been given.</summary>
    public const string MemoryCited = "memory.cited";

    /// <summary>An orchestration run started.</summary>
    public const string OrchestrationStarted = "orchestration.started";

    /// <summary>A work item of an orchestration run ended.</summary>
    public const string OrchestrationItemCompleted = "orchestration.item_completed";

    /// <summary>An orchestration run completed.</summary>
    public const string OrchestrationCompleted = "orchestration.completed";

    /// <summary>An orchestration run ended without completing.</summary>
    public const string OrchestrationFailed = "orchestration.failed";
}
