namespace Dreaming;

/// <summary>The lifecycle state of an <see cref="IAgentSession"/>.</summary>
public enum SessionStatus
{
    /// <summary>The session has started and is still recording.</summary>
    Running = 0,

    /// <summary>The agent finished its task (whatever the outcome's grade).</summary>
    Completed = 1,

    /// <summary>The agent could not finish its task (an exception, a give-up, a refusal).</summary>
    Failed = 2,

    /// <summary>The session was disposed without being completed, for example because the host crashed or forgot.</summary>
    Abandoned = 3,

    /// <summary>The agent could not reach the required outcome and the escalation handler gave up: a person is needed.</summary>
    Blocked = 4,
}
