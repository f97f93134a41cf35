namespace Dreaming;

/// <summary>The default <see cref="IAgentSessionAccessor"/>: the session started most recently in the current asynchronous flow.</summary>
public sealed class AmbientAgentSessionAccessor : IAgentSessionAccessor
{
    /// <inheritdoc />
    public IAgentSession? Current => AgentSessionContext.Current;
}
