namespace Dreaming;

/// <summary>What the price of one recorded model call depends on: given to <see cref="DreamingOptions.CostOf"/>.</summary>
/// <param name="AgentId">The agent whose session the call is recorded in (<see cref="IAgentSession.AgentId"/>); for the
/// grader's calls the graded session's agent, for the reflector's the dream's agent (or its scope's key for a team's or
/// the global memory).</param>
/// <param name="ProviderName">The provider, from the client's <c>ChatClientMetadata.ProviderName</c> (such as
/// <c>openai</c>), or <see langword="null"/> when the client does not say.</param>
/// <param name="ModelId">The model that answered: the response's <c>ModelId</c>, else the request's
/// <c>ChatOptions.ModelId</c>, else the client's default model; <see langword="null"/> when none says. As recorded: one
/// longer than <see cref="ModelResponseEvent.MaxModelIdLength"/> is given capped (its start, <c>~</c> and a hash of the
/// whole), live and imported alike, so a price table matching the start of the id still prices it.</param>
/// <param name="InputTokens">The input tokens the response reported, 0 when it reported none.</param>
/// <param name="OutputTokens">The output tokens the response reported, 0 when it reported none.</param>
/// <param name="CachedInputTokens">The input tokens the provider served from its prompt cache (with OpenAI-style reporting,
/// a part of <paramref name="InputTokens"/>), 0 when it reported none.</param>
/// <remarks>A value type: pricing a call allocates nothing for it.</remarks>
public readonly record struct ModelCallUsage(
    string AgentId,
    string? ProviderName,
    string? ModelId,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens)
{
    /// <summary>Gets the input tokens the provider wrote to its prompt cache, which it bills above the input price
    /// (Anthropic: 1.25 times it for a five-minute cache, twice it for a one-hour one; the SDK reports both as one total): a part of <see cref="InputTokens"/>, apart from
    /// <see cref="CachedInputTokens"/> (the tokens read from the cache).</summary>
    /// <value>The count a response reports as <c>UsageDetails.AdditionalCounts["CacheCreationInputTokens"]</c> (the
    /// official Anthropic SDK's <c>IChatClient</c> reports <c>cache_creation_input_tokens</c> so); 0 when it reports none,
    /// as OpenAI's clients, whose cache writes cost nothing more.</value>
    public long CacheWriteInputTokens { get; init; }

    /// <summary>Gets the output tokens the model spent reasoning (thinking before it answered), as the provider's client
    /// reports them apart.</summary>
    /// <value>The count a response reports as <c>UsageDetails.ReasoningTokenCount</c> (OpenAI's
    /// <c>reasoning_tokens</c>, Chat Completions and Responses API); 0 when it reports none. Providers differ in what it is
    /// a part of: OpenAI counts reasoning in <see cref="OutputTokens"/> and bills it as output, so a price of
    /// <see cref="OutputTokens"/> already includes it (do not add it); a provider that counts it apart from the answer
    /// (Gemini's <c>thoughtsTokenCount</c>), through a client that reports it so, needs it added to
    /// <see cref="OutputTokens"/>. It is given to
    /// <c>CostOf</c> only: the recorded usage has no field for it.</value>
    public long ReasoningOutputTokens { get; init; }
}
