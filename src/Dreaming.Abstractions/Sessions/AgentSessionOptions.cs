namespace Dreaming;

/// <summary>What a session is started with.</summary>
public sealed class AgentSessionOptions
{
    /// <summary>Gets or sets the agent id; required, not blank, and Unicode text: an id holding half a surrogate pair is
    /// refused when the session starts (a store keeping UTF-8 would make it U+FFFD, and <c>a\uD800</c> and <c>a\uDC00</c>
    /// the same agent), as is one holding a control character (U+0000 to U+001F, U+007F to U+009F) or longer than
    /// <see cref="SessionRecord.MaxIdLength"/>.</summary>
    public required string AgentId { get; set; }

    /// <summary>Gets or sets the task the agent works on; required, not blank.</summary>
    public required string Task { get; set; }

    /// <summary>Gets or sets an explicit session id; by default a new one is generated. Like <see cref="AgentId"/>, refused
    /// when the session starts if it holds half a surrogate pair or a control character or is longer than
    /// <see cref="SessionRecord.MaxIdLength"/>.</summary>
    /// <remarks>It must be new to the store: a session whose id another session already has (in this or another process,
    /// running or ended) is not created; its events are dropped and counted, and its completion throws
    /// <see cref="SessionStateException"/>, leaving the session that owns the id untouched.</remarks>
    public string? SessionId { get; set; }

    /// <summary>Gets or sets the agent version.</summary>
    public string? AgentVersion { get; set; }

    /// <summary>Gets or sets the team or tenant scope; like <see cref="AgentId"/>, refused when the session starts if it holds
    /// half a surrogate pair or a control character or is longer than <see cref="SessionRecord.MaxIdLength"/>.</summary>
    /// <remarks>With a scope, <c>UseDreaming()</c> gives the session the team's memory (<c>team:{Scope}</c>) with its agent's and
    /// the global one, and the team's dream (<see cref="MemoryScope.Team"/>) reads the session; without one, no team dream
    /// reads it.</remarks>
    public string? Scope { get; set; }

    /// <summary>Gets or sets the parent session id, for sub-tasks; refused when the session starts as <see cref="SessionId"/>
    /// is.</summary>
    public string? ParentSessionId { get; set; }

    /// <summary>Gets or sets the GenAI provider of the agent's model, such as <c>openai</c> or <c>anthropic</c>: the
    /// <c>gen_ai.provider.name</c> of the session's <c>invoke_agent</c> span, given when the span is created (for samplers).</summary>
    /// <value>The default is <see langword="null"/>: the span takes the provider from the first chat call made in the session
    /// through <c>UseDreaming()</c> (its client's <c>ChatClientMetadata.ProviderName</c>), if that client names one.</value>
    public string? ProviderName { get; set; }

    /// <summary>Gets or sets the memory version the session is given.</summary>
    public string? MemoryVersionId { get; set; }

    // Made on first use: an orchestration of 10,000 items starts 10,000 child sessions, most with no insights.
    private IList<string>? _insightIds;
    private IDictionary<string, string>? _metadata;

    /// <summary>Gets or sets the insight ids the session is given (an empty list until set or added to).</summary>
    /// <exception cref="ArgumentNullException">The value set is <see langword="null"/>.</exception>
    public IList<string> InsightIds
    {
        get => _insightIds ??= [];
        set => _insightIds = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Gets or sets free-form metadata (an empty dictionary until set or added to).</summary>
    /// <exception cref="ArgumentNullException">The value set is <see langword="null"/>.</exception>
    public IDictionary<string, string> Metadata
    {
        get => _metadata ??= new Dictionary<string, string>();
        set => _metadata = value ?? throw new ArgumentNullException(nameof(value));
    }
}
