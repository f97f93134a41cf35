namespace Dreaming;

/// <summary>What one stage of a dream (such as <c>select</c>, <c>mine</c> or <c>reflect</c>) used.</summary>
/// <param name="Stage">The stage name.</param>
/// <param name="Usage">The model tokens and calls of the stage; <see cref="SessionUsage.Zero"/> for stages without a model.</param>
/// <param name="Duration">How long the stage took.</param>
public sealed record DreamStageUsage(string Stage, SessionUsage Usage, TimeSpan Duration);
