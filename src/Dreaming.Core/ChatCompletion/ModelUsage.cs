using Microsoft.Extensions.AI;

namespace Dreaming;

/// <summary>Turns the usage a chat response reports into the usage of one model call.</summary>
internal static class ModelUsage
{
    /// <summary>Returns the tokens of <paramref name="usage"/> (zero where it reports none) as one model call.</summary>
    public static SessionUsage Of(UsageDetails? usage) => new()
    {
        InputTokens = usage?.InputTokenCount ?? 0,
        OutputTokens = usage?.OutputTokenCount ?? 0,
        CachedInputTokens = usage?.CachedInputTokenCount ?? 0,
        ModelCalls = 1,
    };
}
