namespace Dreaming;

/// <summary>Starts agent sessions.</summary>
public interface IAgentSessionFactory
{
    /// <summary>Starts a session and makes it the ambient session of the calling flow until it is disposed.</summary>
    /// <param name="options">What the session is started with.</param>
    /// <returns>The running session. Dispose it (preferably after <see cref="IAgentSession.CompleteAsync"/>).</returns>
    /// <exception cref="ArgumentException">The agent id or the task is empty, or an option is invalid.</exception>
    IAgentSession StartSession(AgentSessionOptions options);
}
