namespace Dreaming;

/// <summary>Options of session tracing, set through <c>services.AddDreamingAgents(o =&gt; ...)</c>.</summary>
/// <remarks>Validated when the host starts (or on first use without a host); a bad value fails with a message that names it.</remarks>
public sealed class DreamingOptions
{
    /// <summary>Gets or sets the agent id used for calls recorded outside any session.</summary>
    /// <value>The default is <c>default</c>. Must not be blank, nor hold an unpaired surrogate (half a character: a store
    /// keeping UTF-8 would turn it into U+FFFD, merging the agent with another).</value>
    public string AgentId { get; set; } = "default";

    /// <summary>Gets or sets what happens to chat calls made outside any session.</summary>
    /// <value>The default is <see cref="UnscopedCallHandling.RecordAsSession"/>.</value>
    public UnscopedCallHandling UnscopedCalls { get; set; } = UnscopedCallHandling.RecordAsSession;

    /// <summary>Gets or sets how many events may wait in the write queue (a chat call holds one place per message, plus one).</summary>
    /// <value>The default is 10,000; 1 to 1,000,000.</value>
    public int WriteQueueCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets the largest number of events written to the store in one transaction.</summary>
    /// <value>The default is 500; 1 to 10,000.</value>
    public int WriteBatchSize { get; set; } = 500;

    /// <summary>Gets or sets how long disposing the trace writer (host shutdown, or disposing the service provider) waits
    /// for the store to write what is queued before it stops waiting.</summary>
    /// <value>The default is <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: every event accepted before disposal
    /// is written, however long the store takes (a store that never returns holds the disposal for ever). Otherwise
    /// positive and at most 24 days (<c>int.MaxValue - 1</c> milliseconds).</value>
    /// <remarks>When the time is up, disposal returns. The events not yet written (those queued, and those of a batch the
    /// store is still writing) are counted as dropped on their sessions and in <c>dreaming.events.dropped</c> (reason
    /// <c>drain_timeout</c>) and logged with their number; the store's write in progress is cancelled. A completion or
    /// session disposal still waiting for its events then fails with <see cref="ObjectDisposedException"/>, so such a
    /// session is not reported as ended: it stays running in the store (see <c>AbandonRunningSessionsAsync</c>).
    /// <para>The host's <c>HostOptions.ShutdownTimeout</c> does not bound the drain: it runs when the host's service
    /// provider is disposed, after <c>IHost.StopAsync</c> has returned (no hosted service of the library waits for the
    /// store), so that what is recorded while other hosted services stop is written too. Only this setting bounds it.</para></remarks>
    public TimeSpan WriteDrainTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets what happens when the write queue is full.</summary>
    /// <value>The default is <see cref="BackpressurePolicy.Wait"/>.</value>
    public BackpressurePolicy Backpressure { get; set; } = BackpressurePolicy.Wait;

    /// <summary>Gets or sets the largest recorded text, in characters; longer text is cut and marked with its original length.</summary>
    /// <value>The default is 32,768; 256 to 100,000,000.</value>
    public int MaxContentLength { get; set; } = 32_768;

    /// <summary>Gets or sets a value indicating whether the built-in secret patterns (API keys, bearer tokens, passwords, e-mail addresses) are redacted.</summary>
    /// <value>The default is <see langword="true"/>. Redactors added with <c>AddRedactor</c> apply either way.</value>
    public bool RedactSecrets { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether <c>UseDreaming()</c> gives each session the active memory of its agent,
    /// of its team (its <c>AgentSessionOptions.Scope</c>) and of the global scope (the insights most relevant to the task,
    /// ranked together within <see cref="MemoryTokenBudget"/>) in a system message, placed after the request's leading
    /// system messages (the host's own system prompt; OpenAI's <c>developer</c> role counts as one), so that they stay a
    /// prefix a provider can cache. A call in a conversation the service holds (<c>ChatOptions.ConversationId</c>, such as
    /// the OpenAI Responses API's <c>previous_response_id</c> or conversation) is not sent it again when a call of a
    /// <c>UseDreaming()</c> client of the same service provider already sent the same memory into that conversation, and
    /// otherwise gets it after the call's <c>ChatOptions.Instructions</c>, which the service does not keep, so the
    /// conversation holds it once, not once a call.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool InjectMemory { get; set; } = true;

    /// <summary>Gets or sets the largest size of the injected memory, in tokens (estimated at four characters a token): one
    /// budget for the agent's, the team's and the global insights together.</summary>
    /// <value>The default is 800; 50 to 100,000.</value>
    public int MemoryTokenBudget { get; set; } = 800;

    /// <summary>Gets or sets a prefix that marks a tool result text as an error (for tools that return errors instead of throwing).</summary>
    /// <value>The default is <see langword="null"/>: only tools that threw are recorded as errors.</value>
    public string? ToolErrorPrefix { get; set; }

    /// <summary>Gets or sets how a model call recorded through <c>UseDreaming()</c> is priced: given what its price depends
    /// on (the session's agent, the provider and model, the tokens the response reported), its cost in integer minor units
    /// of the host's choosing, such as micro-dollars.</summary>
    /// <value>The default is <see langword="null"/>: recorded calls cost 0, unless the host records its own
    /// <see cref="ModelResponseEvent"/> with a cost.</value>
    /// <remarks>
    /// <para>The cost goes on the call's <see cref="ModelResponseEvent"/> and is added to the session's
    /// <see cref="SessionUsage.CostMinorUnits"/>, so the session record, the <c>session.*</c> webhooks, an outcome
    /// loop's session and an orchestration's results show it. Events a host records itself with <see cref="IAgentSession.RecordAsync"/> keep
    /// the cost they carry. A failed call (no <c>model.response</c>) is not priced.</para>
    /// <para>Called on the caller's thread once per recorded call (and never when the property is <see langword="null"/>),
    /// possibly from several threads at once: keep it fast and thread-safe, such as a lookup in a price table. A delegate
    /// that throws, or returns a negative cost, does not fail the call: the call is recorded with cost 0 and the failure
    /// logged (event id 85, warning), once per type of exception for each <c>UseDreaming()</c> client.</para>
    /// <para>An orchestration run charges its chat agents' and coordinator's calls to its budget and results at the cost
    /// this gives them (once more per call, under the agent of the session the call is recorded in), so a run and its
    /// sessions show the same cost. <see cref="OrchestratorOptions.CostOf"/> then prices only the usage that still has no
    /// cost: chat calls when this is <see langword="null"/> (or gave 0), and delegates' replies without one.</para>
    /// <para>The grader's calls (<see cref="ModelGrader"/>), which pass through <c>UseDreaming()</c> unrecorded, are priced
    /// by the one in the grader client's pipeline, under the agent of the session being graded: their cost is in the
    /// evaluation's <see cref="RubricEvaluation.GraderUsage"/>. The reflector's calls (<see cref="ModelReflector"/>) are
    /// priced the same way, under the dream's scope (<see cref="ReflectionRequest.Scope"/>), on the dream's <c>reflect</c>
    /// <see cref="DreamStageUsage"/>.</para>
    /// <para>Sums of costs saturate at <see cref="long.MaxValue"/> (a session's, a run's, <see cref="SessionUsage.Add"/>):
    /// a delegate may return <see cref="long.MaxValue"/> for "unknown" and a cost budget is still reached.</para>
    /// </remarks>
    public Func<ModelCallUsage, long>? CostOf { get; set; }
}
