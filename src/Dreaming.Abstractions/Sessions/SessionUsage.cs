namespace Dreaming;

/// <summary>Token usage and cost accumulated by a session or reported by one model call.</summary>
/// <remarks>Cost is kept in integer minor units (for example micro-dollars) so that sums are exact.</remarks>
public sealed record SessionUsage
{
    /// <summary>Gets an instance with every counter at zero.</summary>
    public static SessionUsage Zero { get; } = new();

    /// <summary>Gets the number of input (prompt) tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the number of output (completion) tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the number of input tokens served from the provider's cache.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Gets the number of model calls that contributed to this usage.</summary>
    public long ModelCalls { get; init; }

    /// <summary>Gets the cost in integer minor units of the host's choosing (0 when unknown).</summary>
    public long CostMinorUnits { get; init; }

    /// <summary>Gets the total of input and output tokens.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>Returns the sum of this usage and <paramref name="other"/>.</summary>
    /// <param name="other">The usage to add.</param>
    /// <returns>A new instance holding the sums.</returns>
    public SessionUsage Add(SessionUsage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new SessionUsage
        {
            InputTokens = InputTokens + other.InputTokens,
            OutputTokens = OutputTokens + other.OutputTokens,
            CachedInputTokens = CachedInputTokens + other.CachedInputTokens,
            ModelCalls = ModelCalls + other.ModelCalls,
            CostMinorUnits = CostMinorUnits + other.CostMinorUnits,
        };
    }
}
