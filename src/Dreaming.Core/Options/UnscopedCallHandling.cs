namespace Dreaming;

/// <summary>What the chat middleware does with a call made outside any session.</summary>
public enum UnscopedCallHandling
{
    /// <summary>The call is recorded as a session of its own (agent <see cref="DreamingOptions.AgentId"/>, task = the last user message).</summary>
    RecordAsSession = 0,

    /// <summary>The call is passed through and not recorded.</summary>
    Ignore = 1,
}
