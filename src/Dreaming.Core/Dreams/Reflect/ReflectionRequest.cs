namespace Dreaming;

/// <summary>What the reflect stage is given: the findings, the sessions they came from, and the dream's limits.</summary>
public sealed record ReflectionRequest
{
    /// <summary>Gets the findings, strongest first.</summary>
    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>Gets the failure rate of all sessions mined.</summary>
    public double BaseFailureRate { get; init; }

    /// <summary>Gets the sessions mined, by id, for excerpts and for pairing similar tasks: the new sessions and, with
    /// <see cref="DreamRunRequest.Lookback"/>, the earlier ones mined again, which a finding's evidence may cite.</summary>
    public required IReadOnlyDictionary<string, SessionWithEvents> Sessions { get; init; }

    /// <summary>Gets the ids of the sessions in <see cref="Sessions"/> that earlier dreams already read (mined again by a
    /// <see cref="DreamRunRequest.Lookback"/>), or <see langword="null"/> when every session is new.</summary>
    /// <remarks>A finding already occurs in at least one new session; a pair of similar tasks (one failed, one passed)
    /// must include one too, so the same old contrast is not reflected on again each night: <see cref="ModelReflector"/>
    /// pairs no two of these sessions together, and a reflector of its own that pairs sessions should do the same.</remarks>
    /// <value>The default is <see langword="null"/>: every session is new (a request a host builds itself, or a dream
    /// without a lookback).</value>
    public IReadOnlySet<string>? EarlierSessionIds { get; init; }

    /// <summary>Gets the dream's instructions, if any.</summary>
    public string? Instructions { get; init; }

    /// <summary>Gets the most tokens (input and output together) the stage may spend, or <see langword="null"/> for no limit.</summary>
    public long? TokenBudget { get; init; }

    /// <summary>Gets the scope of the memory the dream writes: the reflector's model calls are priced
    /// (<see cref="DreamingOptions.CostOf"/>) under its agent, or under its key (<c>team:…</c>, <c>global</c>) for a
    /// team's or the global memory.</summary>
    /// <value>The default is <see langword="null"/> (a request a host builds itself): they are priced under the agent of
    /// the ambient session, else that of the reflector client's one-call sessions.</value>
    public MemoryScope? Scope { get; init; }

    /// <summary>Gets the fewest distinct team scopes (tenants) the sessions behind a lesson must come from
    /// (<see cref="MiningOptions.MinScopes"/> of a dream of an agent's or the global memory): the findings already meet
    /// it; <see cref="ModelReflector"/> pairs a failed session only with a successful one of another scope when it is 2
    /// (sessions without a scope, or with an empty one, count as one scope), and shows no pairs when it is more.</summary>
    /// <value>The default is 1: pairs of any scopes.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MinScopes
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "ReflectionRequest.MinScopes must be at least 1.");
    } = 1;
}
