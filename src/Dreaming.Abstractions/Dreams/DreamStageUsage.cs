namespace Dreaming;

/// <summary>What one stage of a dream (such as <c>select</c>, <c>mine</c> or <c>reflect</c>) used.</summary>
/// <param name="Stage">The stage name.</param>
/// <param name="Usage">The model tokens and calls of the stage, as the models reported them; <see cref="SessionUsage.Zero"/>
/// for stages without a model.</param>
/// <param name="Duration">How long the stage took.</param>
/// <remarks>Immutable, so thread-safe.</remarks>
public sealed record DreamStageUsage(string Stage, SessionUsage Usage, TimeSpan Duration)
{
    /// <summary>Gets the tokens the stage counted against the dream's token budget by estimate, on top of
    /// <see cref="Usage"/>: for model calls that reported no usage, their text at four characters a token.</summary>
    /// <value>The default is 0: nothing estimated. Stores keep it with the stage.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public long EstimatedTokens
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "DreamStageUsage.EstimatedTokens must not be negative.");
    }
}
