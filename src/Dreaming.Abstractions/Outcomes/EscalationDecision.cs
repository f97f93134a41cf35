namespace Dreaming;

/// <summary>What an escalation handler decides when an outcome loop ends unsatisfied.</summary>
public sealed record EscalationDecision
{
    private EscalationDecision(string? guidance, string? reason)
    {
        Guidance = guidance;
        Reason = reason;
    }

    /// <summary>Gets the guidance to continue with, or <see langword="null"/> when the handler gave up.</summary>
    public string? Guidance { get; }

    /// <summary>Gets why the handler gave up, if it did.</summary>
    public string? Reason { get; }

    /// <summary>Gets a value indicating whether the handler gave up (the session is then marked <see cref="SessionStatus.Blocked"/>).</summary>
    public bool GaveUp => Guidance is null;

    /// <summary>Continues the loop with guidance for the agent.</summary>
    /// <param name="guidance">The guidance; not blank.</param>
    /// <returns>The decision.</returns>
    public static EscalationDecision Continue(string guidance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(guidance);
        return new EscalationDecision(guidance, null);
    }

    /// <summary>Gives up: the session is marked <see cref="SessionStatus.Blocked"/>.</summary>
    /// <param name="reason">Why, for the record.</param>
    /// <returns>The decision.</returns>
    public static EscalationDecision GiveUp(string? reason = null) => new(null, reason ?? "gave up");
}
