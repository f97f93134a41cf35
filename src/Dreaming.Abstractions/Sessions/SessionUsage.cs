namespace Dreaming;

/// <summary>Token usage and cost accumulated by a session or reported by one model call.</summary>
/// <remarks>Cost is kept in integer minor units (for example micro-dollars) so that sums are exact. Sums (<see cref="Add"/>,
/// <see cref="TotalTokens"/>, and the running totals of a session and an orchestration run) stop at
/// <see cref="long.MaxValue"/> instead of wrapping negative, so a cost function that returns a huge value for "unknown"
/// keeps the total at its largest and a budget it passed stays reached.</remarks>
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

    /// <summary>Gets the total of input and output tokens, at most <see cref="long.MaxValue"/>.</summary>
    public long TotalTokens => SaturatingSum.Add(InputTokens, OutputTokens);

    /// <summary>Returns the sum of this usage and <paramref name="other"/>.</summary>
    /// <param name="other">The usage to add.</param>
    /// <returns>A new instance holding the sums; a sum that would pass <see cref="long.MaxValue"/> is
    /// <see cref="long.MaxValue"/> (no exception, no wrap to a negative value).</returns>
    public SessionUsage Add(SessionUsage other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new SessionUsage
        {
            InputTokens = SaturatingSum.Add(InputTokens, other.InputTokens),
            OutputTokens = SaturatingSum.Add(OutputTokens, other.OutputTokens),
            CachedInputTokens = SaturatingSum.Add(CachedInputTokens, other.CachedInputTokens),
            ModelCalls = SaturatingSum.Add(ModelCalls, other.ModelCalls),
            CostMinorUnits = SaturatingSum.Add(CostMinorUnits, other.CostMinorUnits),
        };
    }
}
