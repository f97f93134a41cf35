namespace Dreaming;

/// <summary>Holds the ambient session of the current asynchronous flow.</summary>
/// <remarks>
/// An <see cref="AsyncLocal{T}"/> flows with the execution context into awaits, tasks and thread-pool work started
/// from the flow, which is what lets a chat client resolved from DI find the session without being handed it.
/// </remarks>
internal static class AgentSessionContext
{
    private static readonly AsyncLocal<IAgentSession?> s_current = new();

    public static IAgentSession? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}
