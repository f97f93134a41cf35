namespace Dreaming;

/// <summary>One change a dream made to the memory, with its reason, as its report records it.</summary>
public sealed record DreamChange
{
    /// <summary>Gets what was done.</summary>
    public required DreamChangeOp Op { get; init; }

    /// <summary>Gets the id of the insight in the output version.</summary>
    public required string InsightId { get; init; }

    /// <summary>Gets the insight's kind.</summary>
    public InsightKind Kind { get; init; } = InsightKind.Lesson;

    /// <summary>Gets the insight's text after the change.</summary>
    public required string Text { get; init; }

    /// <summary>Gets why, such as the finding or the insights merged.</summary>
    public required string Reason { get; init; }
}
