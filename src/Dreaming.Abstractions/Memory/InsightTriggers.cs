namespace Dreaming;

/// <summary>When an <see cref="Insight"/> is relevant: the tools it is about and keywords of the tasks it helps with.</summary>
public sealed record InsightTriggers
{
    /// <summary>Gets triggers that match nothing in particular.</summary>
    public static InsightTriggers None { get; } = new();

    /// <summary>Gets the names of the tools the insight is about.</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>Gets keywords of the tasks the insight helps with.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];
}
