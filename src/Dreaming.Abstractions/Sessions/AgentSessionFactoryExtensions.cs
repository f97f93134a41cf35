namespace Dreaming;

/// <summary>Convenience overloads for <see cref="IAgentSessionFactory"/>.</summary>
public static class AgentSessionFactoryExtensions
{
    /// <summary>Starts a session for an agent and a task.</summary>
    /// <param name="factory">The factory.</param>
    /// <param name="agentId">The agent id; not blank.</param>
    /// <param name="task">The task; not blank.</param>
    /// <param name="parentSessionId">The optional parent session id.</param>
    /// <returns>The running session.</returns>
    public static IAgentSession StartSession(this IAgentSessionFactory factory, string agentId, string task, string? parentSessionId = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return factory.StartSession(new AgentSessionOptions { AgentId = agentId, Task = task, ParentSessionId = parentSessionId });
    }
}
