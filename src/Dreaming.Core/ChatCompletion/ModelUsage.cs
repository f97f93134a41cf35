using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Turns the usage a chat response reports into the usage of one model call, and estimates what a call that
/// reported none used, for the budgets that must not be spent without limit by a model that reports no usage.</summary>
/// <remarks>An estimate is only ever counted against a budget: it is never reported as usage (a session's, a run's, an
/// event's). Four characters a token, the usual rule of thumb for English text with OpenAI-style tokenizers.</remarks>
internal static class ModelUsage
{
    /// <summary>The characters counted as one token by the estimates.</summary>
    public const int CharactersPerToken = 4;

    /// <summary>Returns the tokens of <paramref name="usage"/> (zero where it reports none) as one model call.</summary>
    public static SessionUsage Of(UsageDetails? usage) => new()
    {
        InputTokens = usage?.InputTokenCount ?? 0,
        OutputTokens = usage?.OutputTokenCount ?? 0,
        CachedInputTokens = usage?.CachedInputTokenCount ?? 0,
        ModelCalls = 1,
    };

    /// <summary>The key of <see cref="UsageDetails.AdditionalCounts"/> under which the official Anthropic SDK reports the
    /// tokens written to the prompt cache (<c>cache_creation_input_tokens</c>).</summary>
    public const string CacheWriteCountKey = "CacheCreationInputTokens";

    /// <summary>Returns the input tokens <paramref name="usage"/> reports written to the provider's prompt cache
    /// (<see cref="ModelCallUsage.CacheWriteInputTokens"/>), 0 when it reports none.</summary>
    public static long CacheWritesOf(UsageDetails? usage) =>
        usage?.AdditionalCounts is { } counts && counts.TryGetValue(CacheWriteCountKey, out var written) ? written : 0;

    /// <summary>Returns the output tokens <paramref name="usage"/> reports the model spent reasoning
    /// (<see cref="ModelCallUsage.ReasoningOutputTokens"/>), 0 when it reports none.</summary>
    public static long ReasoningOf(UsageDetails? usage) => usage?.ReasoningTokenCount ?? 0;

    /// <summary>Returns the usage of <paramref name="response"/> as one model call, priced by the
    /// <see cref="DreamingOptions.CostOf"/> of the <c>UseDreaming()</c> in <paramref name="client"/>'s pipeline, as that
    /// client priced the call when it recorded it; cost 0 when the pipeline has none or it has no <c>CostOf</c>.</summary>
    /// <param name="client">The client the call was made through.</param>
    /// <param name="agentId">The agent the call is priced under: that of the session it is recorded in; or
    /// <see langword="null"/> for a library call recorded in no session (the grader's): the ambient session's agent, else
    /// the client's one-call agent (<see cref="DreamingChatClient.AgentId"/>, else <see cref="DreamingOptions.AgentId"/>).</param>
    /// <param name="response">The response.</param>
    /// <param name="options">The options the call was made with, for its model id when the response names none.</param>
    public static SessionUsage Of(IChatClient client, string? agentId, ChatResponse response, ChatOptions? options) =>
        client.GetService<DreamingChatClient>() is { } recorder ? recorder.UsageOf(agentId, response, options) : Of(response.Usage);

    /// <summary>Returns the estimated input tokens of <paramref name="messages"/>: their text at four characters a token.</summary>
    public static long EstimateInputTokens(IEnumerable<ChatMessage> messages)
    {
        long characters = 0;
        foreach (var message in messages)
        {
            characters += message.Text.Length;
        }

        return characters / CharactersPerToken;
    }

    /// <summary>Returns the estimated input tokens of <paramref name="texts"/> (such as those sent to an embedding generator):
    /// their characters at four a token, as <see cref="EstimateInputTokens(IEnumerable{ChatMessage})"/>.</summary>
    public static long EstimateInputTokens(IEnumerable<string> texts)
    {
        long characters = 0;
        foreach (var text in texts)
        {
            characters += text.Length;
        }

        return characters / CharactersPerToken;
    }

    /// <summary>Returns the estimated tokens of a reply's <paramref name="text"/>: four characters a token, rounded up.</summary>
    public static long EstimateOutputTokens(string text) => ((long)text.Length + CharactersPerToken - 1) / CharactersPerToken;

    /// <summary>Returns the tokens a call used that its response did not report, estimated from the text: the input's when
    /// it reported no input count, the reply's when it reported no output count; 0 when it reported both.</summary>
    /// <param name="messages">The messages sent.</param>
    /// <param name="response">The response.</param>
    public static long Unreported(IEnumerable<ChatMessage> messages, ChatResponse response) =>
        (response.Usage?.InputTokenCount is null ? EstimateInputTokens(messages) : 0)
        + (response.Usage?.OutputTokenCount is null ? EstimateOutputTokens(response.Text) : 0);
}
