namespace Dreaming;

/// <summary>One field of an insight that differs between two versions, with both values as text.</summary>
/// <param name="Field">The property name, such as <c>Text</c>, <c>Status</c> or <c>Helpful</c>.</param>
/// <param name="Before">The value in the older version.</param>
/// <param name="After">The value in the newer version.</param>
/// <remarks>Enums are written in lower case (<c>retired</c>), times as UTC ISO 8601 with milliseconds, triggers and
/// evidence as JSON arrays (<c>["s1#4","s2"]</c>).</remarks>
public sealed record InsightFieldChange(string Field, string Before, string After);
