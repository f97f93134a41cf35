namespace Dreaming;

/// <summary>An insight that both versions of a <see cref="MemoryDiff"/> hold, with different content.</summary>
/// <param name="Before">The insight in the older version.</param>
/// <param name="After">The insight in the newer version.</param>
/// <param name="Fields">The fields that differ, in the order of <see cref="Insight"/>'s properties.</param>
public sealed record InsightChange(Insight Before, Insight After, IReadOnlyList<InsightFieldChange> Fields)
{
    /// <summary>Gets the id both insights share.</summary>
    public string InsightId => After.Id;
}
