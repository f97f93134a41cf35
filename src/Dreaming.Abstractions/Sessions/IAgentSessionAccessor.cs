namespace Dreaming;

/// <summary>Gives the ambient session of the current asynchronous flow.</summary>
public interface IAgentSessionAccessor
{
    /// <summary>Gets the session the current flow runs in, or <see langword="null"/> outside any session.</summary>
    IAgentSession? Current { get; }
}
